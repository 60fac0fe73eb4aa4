/**
 * Writing to stdout/stderr so that everything is flushed before the process
 * exits (a pipe may take writes asynchronously).
 *
 * @module
 */

import process from "node:process";

function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve) => {
    if (text === "") resolve();
    // A closed pipe (e.g. `| head`) is not worth a crash: resolve either way.
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
