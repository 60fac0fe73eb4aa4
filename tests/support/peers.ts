/**
 * Unix-socket peers that do not speak gRPC, for the transport error tests.
 *
 * @module
 */

import * as http from "node:http";
import * as net from "node:net";
import { type UnixSocketServer, unixSocketServer } from "./unix-server.ts";

/** A listening server on a unix socket in a private temporary directory; `close()` removes the directory. */
export type Peer = UnixSocketServer;

function listen(server: net.Server | http.Server): Promise<Peer> {
  return unixSocketServer(server, "peer.sock");
}

/** An HTTP/1.1 server, like dockerd's API socket. */
export function http1Peer(): Promise<Peer> {
  const server = http.createServer((_request, response) => {
    response.writeHead(200, { "Content-Type": "text/plain" });
    response.end("OK");
  });
  return listen(server);
}

/** A server that accepts connections and never sends a byte. */
export function silentPeer(): Promise<Peer> {
  return listen(net.createServer((connection) => connection.on("data", () => {})));
}

/** A server that closes every connection right away. */
export function hangUpPeer(): Promise<Peer> {
  return listen(net.createServer((connection) => connection.destroy()));
}

/**
 * A transparent proxy to `target` whose connections the test can cut, to
 * simulate a dropped engine connection.
 */
export function cuttableProxy(target: string): Promise<Peer> {
  const server = net.createServer((downstream) => {
    const upstream = net.connect(target);
    downstream.on("error", () => upstream.destroy());
    downstream.on("close", () => upstream.destroy());
    upstream.on("error", () => downstream.destroy());
    downstream.pipe(upstream).pipe(downstream);
  });
  return listen(server);
}
