/**
 * Tells "the peer hung up" from "the peer speaks another protocol" when a
 * runtime cannot: Bun reports only `ECONNRESET` when an HTTP/2 server (a gRPC
 * socket) answers an HTTP/1.1 request with its SETTINGS frame and closes,
 * where Node and Deno report the bytes they could not parse. Servers of
 * other protocols (HTTP/2, SSH, …) greet first; an HTTP/1.1 server and a
 * peer that merely accepts and closes say nothing. So: connect once more,
 * send nothing, and see whether the peer greets.
 *
 * @module
 */

import { connect } from "node:net";

/** How long a peer has to greet before it counts as silent. */
export const GREETING_WAIT_MS = 250;

/**
 * The first bytes the peer at the unix socket `path` sends unprompted
 * within `waitMs`, or `undefined` when it sends none (silent, closed, or
 * not connectable). Never rejects; leaves no socket or timer behind.
 */
export function unpromptedGreeting(path: string, waitMs: number = GREETING_WAIT_MS): Promise<Uint8Array | undefined> {
  return new Promise((resolve) => {
    const socket = connect(path);
    const finish = (bytes: Uint8Array | undefined): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(bytes);
    };
    const timer = setTimeout(() => finish(undefined), waitMs);
    socket.once("data", (chunk: Uint8Array) => finish(chunk));
    socket.once("error", () => finish(undefined));
    socket.once("close", () => finish(undefined));
  });
}

/** Whether greeting bytes are anything but the start of an HTTP/1.x answer. */
export function isForeignGreeting(bytes: Uint8Array): boolean {
  return !new TextDecoder().decode(bytes.subarray(0, 5)).startsWith("HTTP/");
}
