/**
 * The one test helper for servers on unix sockets (or loopback TCP) in a
 * temporary directory: node:http, node:http2 and node:net work as servers on
 * Node, Deno and Bun alike. Tracks connections and closes without leaving
 * any behind.
 *
 * @module
 */

import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createNetServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A temporary directory, removed by `remove()`. */
export interface TempDir {
  /** Absolute path. */
  path: string;
  /** Deletes the directory and everything in it. */
  remove(): void;
}

/** Creates a temporary directory that other users may enter (for the EACCES test). */
export function makeTempDir(): TempDir {
  const path = mkdtempSync(join(tmpdir(), "ww-test-"));
  chmodSync(path, 0o755);
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A listening test server and what it saw. */
export interface TestServer {
  /** Socket path or TCP port it listens on. */
  address: string | number;
  /** Connections accepted so far. */
  connections: number;
  /** Stops listening and drops every connection. */
  close(): Promise<void>;
}

type Listenable = {
  listen(target: string | number, host?: string | (() => void), cb?: () => void): unknown;
  on(event: "connection", listener: (socket: Socket) => void): unknown;
  close(cb?: (err?: Error) => void): unknown;
  address(): unknown;
};

/** Starts `server` on `target` (a socket path, or 0 for a loopback TCP port) and tracks its connections. */
export async function listen(server: Listenable, target: string | number): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const state: TestServer = {
    address: target,
    connections: 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  server.on("connection", (socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => {
    if (typeof target === "string") server.listen(target, resolve);
    else server.listen(target, "127.0.0.1", resolve);
  });
  if (typeof target === "number") state.address = (server.address() as { port: number }).port;
  return state;
}

/** Starts a node:http server with the given handler. */
export function httpServer(
  target: string | number,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<TestServer> {
  const server: Server = createHttpServer(handler);
  return listen(server, target);
}

/** Starts a raw node:net server that hands each connection to `onSocket`. */
export function rawServer(target: string, onSocket: (socket: Socket) => void): Promise<TestServer> {
  const server = createNetServer((socket) => {
    socket.on("error", () => {});
    onSocket(socket);
  });
  return listen(server, target);
}

