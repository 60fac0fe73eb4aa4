/**
 * Writing to stdout/stderr so that everything is flushed before the process
 * exits (a pipe may take writes asynchronously), and noticing when the
 * reader of stdout has gone (`| head`): that ends a watch, it is no crash.
 *
 * @module
 */

import process from "node:process";
import { deferred } from "../lib/async/deferred.ts";

const closed = deferred<void>();
const handled = new WeakSet<NodeJS.WritableStream>();

/**
 * Resolves when stdout's reader has gone (EPIPE, e.g. `| head -3`); the
 * watch stops then, as `docker events | head` does.
 */
export const stdoutClosed: Promise<void> = closed.promise;

function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  if (!handled.has(stream)) {
    handled.add(stream);
    // Without a listener a broken pipe is an uncaught 'error' event. A write error is answered in the
    // write's callback below; here only the closed stdout is remembered.
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (stream === process.stdout && error.code === "EPIPE") closed.resolve();
    });
  }
  return new Promise((resolve) => {
    if (text === "") resolve();
    // A closed pipe is not worth a crash: resolve either way.
    else stream.write(text, () => resolve());
  });
}

/** Writes to stdout and resolves once it is handed to the OS. */
export function out(text: string): Promise<void> {
  return write(process.stdout, text);
}

/** Writes to stderr and resolves once it is handed to the OS. */
export function err(text: string): Promise<void> {
  return write(process.stderr, text);
}
