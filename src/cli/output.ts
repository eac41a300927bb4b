/**
 * Output for people (tables, aligned key/value lists, a spinner while the chain works) and for
 * machines (`--json`: exactly one JSON document on stdout, nothing else there). Progress and
 * errors go to stderr so `leash ... --json | jq` always sees clean JSON.
 */
import { redactUrlCredentials } from "../relayer/nodeUrl.js";

export type Cell = string | number | bigint | boolean | null | undefined;

/** JSON with bigints as decimal strings (amounts and ids exceed 2^53). */
export function toJson(value: unknown, indent = 2): string {
  return JSON.stringify(
    value,
    (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v),
    indent,
  );
}

function cellText(value: Cell): string {
  if (value === null || value === undefined) return "-";
  return String(value);
}

/** A plain-text table: header, a rule, rows; columns padded to their widest cell. */
export function renderTable(headers: string[], rows: Cell[][]): string {
  const text = rows.map((row) => row.map(cellText));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...text.map(line)].join("\n");
}

/** `key  value` lines with the keys aligned. */
export function renderFields(fields: [string, Cell][]): string {
  const width = Math.max(0, ...fields.map(([k]) => k.length));
  // A multi-line value keeps its column: continuation lines are indented under the first.
  const indent = " ".repeat(width + 2);
  return fields
    .map(([k, v]) => `${k.padEnd(width)}  ${cellText(v).split("\n").join(`\n${indent}`)}`)
    .join("\n");
}

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

export interface Spinner {
  update(label: string): void;
  succeed(message?: string): void;
  fail(message?: string): void;
  stop(): void;
}

export class Output {
  constructor(
    readonly json: boolean,
    private readonly stdout: NodeJS.WriteStream = process.stdout,
    private readonly stderr: NodeJS.WriteStream = process.stderr,
    /** `--quiet`: no progress lines (results and errors still print). */
    readonly quiet = false,
  ) {}

  /** The command's result: JSON document in --json mode, else `human()`'s text. */
  result(data: unknown, human: () => string): void {
    if (this.json) this.stdout.write(toJson(data) + "\n");
    else {
      const text = human();
      if (text) this.stdout.write(text + "\n");
    }
  }

  /** A line for people only (suppressed under --json). */
  line(text = ""): void {
    if (!this.json) this.stdout.write(text + "\n");
  }

  /** A progress note on stderr (never under --json or --quiet). */
  note(text: string): void {
    if (!this.json && !this.quiet) this.stderr.write(text + "\n");
  }

  table(headers: string[], rows: Cell[][]): string {
    return rows.length === 0 ? "(none)" : renderTable(headers, rows);
  }

  /**
   * A spinner on stderr while something waits on the chain. Animated only on a terminal; in a
   * pipe or a log it prints the label once and the outcome once, so logs stay readable.
   */
  spinner(label: string): Spinner {
    const silent = this.json || this.quiet;
    const tty = !silent && this.stderr.isTTY === true;
    let current = label;
    let frame = 0;
    let timer: NodeJS.Timeout | undefined;
    const clear = () => {
      if (tty) this.stderr.write("\r\x1b[2K");
    };
    if (tty) {
      timer = setInterval(() => {
        clear();
        this.stderr.write(`${FRAMES[frame++ % FRAMES.length]} ${current}`);
      }, 80);
      timer.unref();
    } else if (!silent) {
      this.stderr.write(`… ${label}\n`);
    }
    const end = (mark: string, message: string | undefined) => {
      if (timer) clearInterval(timer);
      timer = undefined;
      clear();
      if (!silent && message !== undefined) this.stderr.write(`${mark} ${message}\n`);
    };
    return {
      update: (text) => {
        current = text;
      },
      succeed: (message) => end("✔", message ?? current),
      fail: (message) => end("✖", message ?? current),
      stop: () => end("", undefined),
    };
  }

  /** Runs `work` under a spinner; the spinner fails (and the error propagates) if it throws. */
  async step<T>(label: string, work: (spin: Spinner) => Promise<T>, done?: (v: T) => string) {
    const spin = this.spinner(label);
    try {
      const value = await work(spin);
      spin.succeed(done ? done(value) : undefined);
      return value;
    } catch (error) {
      spin.fail();
      throw error;
    }
  }

  /** The error line; a password in a URL the message quotes (an RPC URL's userinfo) is removed. */
  error(message: string, details: Record<string, unknown> = {}): void {
    const line = this.json
      ? toJson({ error: { message, ...details } }, 0)
      : `leash: error: ${message}`;
    this.stderr.write(redactUrlCredentials(line) + "\n");
  }
}
