/**
 * Unix-socket peers that do not speak gRPC, for the transport error tests.
 *
 * @module
 */

import * as http from "node:http";
import * as net from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A listening server on a unix socket in a private temporary directory. */
export interface Peer extends AsyncDisposable {
  /** The socket path. */
  readonly socket: string;
  /** Stops the server, drops its connections and removes the directory. */
  close(): Promise<void>;
}

async function listen(server: net.Server | http.Server, connections: Set<net.Socket>): Promise<Peer> {
  const dir = mkdtempSync(join(tmpdir(), "ww-ctd-peer-"));
  const socket = join(dir, "peer.sock");
  server.on("connection", (connection: net.Socket) => {
    connections.add(connection);
    connection.on("close", () => connections.delete(connection));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(socket, () => resolve());
  });
  const close = async (): Promise<void> => {
    for (const connection of connections) connection.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  };
  return { socket, close, [Symbol.asyncDispose]: close };
}

/** An HTTP/1.1 server, like dockerd's API socket. */
export function http1Peer(): Promise<Peer> {
  const server = http.createServer((_request, response) => {
    response.writeHead(200, { "Content-Type": "text/plain" });
    response.end("OK");
  });
  return listen(server, new Set());
}

/** A server that accepts connections and never sends a byte. */
export function silentPeer(): Promise<Peer> {
  return listen(net.createServer((connection) => connection.on("data", () => {})), new Set());
}

/** A server that closes every connection right away. */
export function hangUpPeer(): Promise<Peer> {
  return listen(net.createServer((connection) => connection.destroy()), new Set());
}

/**
 * A transparent proxy to `target` whose connections the test can cut, to
 * simulate a dropped engine connection.
 */
export async function cuttableProxy(target: string): Promise<Peer & { cut(): void }> {
  const connections = new Set<net.Socket>();
  const server = net.createServer((downstream) => {
    const upstream = net.connect(target);
    connections.add(upstream);
    upstream.on("close", () => connections.delete(upstream));
    downstream.on("error", () => upstream.destroy());
    upstream.on("error", () => downstream.destroy());
    downstream.pipe(upstream).pipe(downstream);
  });
  const peer = await listen(server, connections);
  return {
    ...peer,
    cut: () => {
      for (const connection of connections) connection.destroy();
    },
  };
}
