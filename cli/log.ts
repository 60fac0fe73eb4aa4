/**
 * The CLI's logger for watcher and client diagnostics on stderr: one
 * `whalewatcher:` prefix per message (the library's messages carry their
 * own, which is dropped here), the runtime's text of a transport failure on
 * a `cause:` line and an engine error's hint on its own line.
 *
 * @module
 */

import { EngineError } from "../lib/errors.ts";
import type { WatcherLogger } from "../lib/watcher.ts";
import { separateCause } from "./failure.ts";

const PREFIX = "whalewatcher: ";

/** A diagnostic as the CLI prints it: the prefix once, then the hint (if any) indented on its own line. */
export function logLine(message: string, data: readonly unknown[]): string {
  const error = data.find((d) => d instanceof EngineError);
  const { text, cause } = separateCause(message.startsWith(PREFIX) ? message.slice(PREFIX.length) : message, error);
  const hint = error instanceof EngineError && error.hint !== "" ? `\n  hint: ${error.hint}` : "";
  return `${PREFIX}${text}${cause === "" ? "" : `\n  cause: ${cause}`}${hint}\n`;
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
