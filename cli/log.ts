/**
 * The CLI's logger for watcher and client diagnostics on stderr: one
 * `whalewatcher:` prefix per message (the library's messages carry their
 * own, which is dropped here), and an engine error's hint on its own line.
 *
 * @module
 */

import { EngineError } from "../lib/errors.ts";
import type { WatcherLogger } from "../lib/watcher.ts";

const PREFIX = "whalewatcher: ";

/** A diagnostic as the CLI prints it: the prefix once, then the hint (if any) indented on its own line. */
export function logLine(message: string, data: readonly unknown[]): string {
  const text = message.startsWith(PREFIX) ? message.slice(PREFIX.length) : message;
  const error = data.find((d) => d instanceof EngineError);
  const hint = error instanceof EngineError && error.hint !== "" ? `\n  hint: ${error.hint}` : "";
  return `${PREFIX}${text}${hint}\n`;
}

/** A logger that writes warnings through `write` (debug messages are dropped). */
export function cliLogger(write: (text: string) => Promise<void>): WatcherLogger {
  return {
    debug() {},
    warn(message: string, ...data: unknown[]) {
      void write(logLine(message, data));
    },
  };
}
