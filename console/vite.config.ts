// The owner console: React 19 + Vite. Built into console/dist (git-ignored), served by the project itself
// (src/cli/console/server.ts: `npm start`, `leash console`); `npm run build:console` builds it.
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/",
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // Served by our own server with a strict CSP: no inline scripts, one bundle per entry.
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 2_000,
  },
  logLevel: "warn",
});
