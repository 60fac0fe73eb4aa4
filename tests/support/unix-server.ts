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
import { connect, createServer as createNetServer, type Socket } from "node:net";
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
  /** Drops every open connection; the server keeps listening. */
  cut(): void;
  /**
   * Resolves once every client has closed its connection, dropping none (what a `node:net` server's own
   * `close()` waits for; HTTP servers would close idle connections themselves): a client whose `close()`
   * leaves a connection open keeps this pending.
   */
  idle(): Promise<void>;
  /** Stops listening and drops every connection. */
  close(): Promise<void>;
}

type Listenable = {
  listen(target: string | number, host?: string | (() => void), cb?: () => void): unknown;
  on(event: "connection", listener: (socket: Socket) => void): unknown;
  once(event: "error", listener: (error: Error) => void): unknown;
  off(event: "error", listener: (error: Error) => void): unknown;
  close(cb?: (err?: Error) => void): unknown;
  address(): unknown;
};

/** Starts `server` on `target` (a socket path, or 0 for a loopback TCP port) and tracks its connections. */
export async function listen(server: Listenable, target: string | number): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const state: TestServer = {
    address: target,
    connections: 0,
    cut: () => {
      for (const socket of sockets) socket.destroy();
    },
    idle: () => {
      const closing = [...sockets].map((socket) => new Promise<void>((resolve) => socket.once("close", () => resolve())));
      return Promise.all(closing).then(() => {});
    },
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
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    const listening = (): void => {
      server.off("error", reject);
      resolve();
    };
    if (typeof target === "string") server.listen(target, listening);
    else server.listen(target, "127.0.0.1", listening);
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


/** A loopback TCP port (its `address`) forwarding each connection to the unix socket `socketPath`: a TCP address of a unix-socket server. */
export function tcpForwarder(socketPath: string): Promise<TestServer> {
  const server = createNetServer((client) => {
    const upstream = connect(socketPath);
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  return listen(server, 0);
}

/** A server listening on a socket in its own temporary directory. */
export interface UnixSocketServer extends AsyncDisposable {
  /** The socket path. */
  readonly socket: string;
  /** The directory holding it, removed by `close()`. */
  readonly dir: string;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Drops every open connection; the server keeps listening. */
  cut(): void;
  /** Resolves once every client has closed its connection (see {@linkcode TestServer.idle}). */
  idle(): Promise<void>;
  /** Stops listening, drops every connection and removes the directory. */
  close(): Promise<void>;
}

/** Starts `server` on `<fresh temp dir>/<name>` and tracks its connections. */
export async function unixSocketServer(server: Listenable, name = "server.sock"): Promise<UnixSocketServer> {
  const dir = makeTempDir();
  const socket = join(dir.path, name);
  let listening: TestServer;
  try {
    listening = await listen(server, socket);
  } catch (error) {
    dir.remove();
    throw error;
  }
  const close = async (): Promise<void> => {
    await listening.close();
    dir.remove();
  };
  return {
    socket,
    dir: dir.path,
    get connections() {
      return listening.connections;
    },
    cut: () => listening.cut(),
    idle: () => listening.idle(),
    close,
    [Symbol.asyncDispose]: close,
  };
}
