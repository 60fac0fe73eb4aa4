/**
 * Tells "the peer hung up" from "the peer speaks another protocol" when a
 * runtime cannot: Bun reports only `ECONNRESET` when an HTTP/2 server (a gRPC
 * socket) answers an HTTP/1.1 request with its SETTINGS frame and closes,
 * where Node and Deno report the bytes they could not parse. Servers of
 * other protocols (HTTP/2, SSH, …) greet first; an HTTP/1.1 server and a
 * peer that merely accepts and closes say nothing. So: connect once more,
 * send nothing, and see whether the peer greets. The gRPC side has the
 * mirror case (Deno reports an HTTP/1.1 server's answer to the HTTP/2
 * preface as EPIPE): send the preface and look at the answer.
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
  return firstBytes(path, undefined, waitMs);
}

/** The HTTP/2 client connection preface. */
const HTTP2_PREFACE = new TextEncoder().encode("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

/**
 * The first bytes the peer at `path` answers the HTTP/2 client preface with
 * within `waitMs`, or `undefined` when it answers nothing. Sends no request.
 */
export function answerToHttp2Preface(path: string, waitMs: number = GREETING_WAIT_MS): Promise<Uint8Array | undefined> {
  return firstBytes(path, HTTP2_PREFACE, waitMs);
}

/** Whether bytes start like an HTTP/2 server's first frame (a SETTINGS frame header). */
export function isHttp2Settings(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[3] === 0x04;
}

function firstBytes(path: string, send: Uint8Array | undefined, waitMs: number): Promise<Uint8Array | undefined> {
  return new Promise((resolve) => {
    const socket = connect(path);
    if (send !== undefined) socket.once("connect", () => socket.write(send));
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
