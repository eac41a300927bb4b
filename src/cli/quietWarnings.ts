/**
 * Imported first by main.ts: node:sqlite (the relayer's default store) prints an
 * ExperimentalWarning when loaded, which would be noise in every command's output. Node prints
 * warnings from its own 'warning' listener; we replace it with one that drops only that warning.
 */
const defaultListeners = process.listeners("warning");
process.removeAllListeners("warning");
process.on("warning", (warning: Error) => {
  if (warning.name === "ExperimentalWarning" && /SQLite/.test(warning.message)) return;
  for (const listener of defaultListeners) listener(warning);
});
