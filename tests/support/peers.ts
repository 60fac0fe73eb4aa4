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
 * An HTTP/1.1 server whose answer the runtime loses on the first connection, as Deno reports an HTTP/1.1
 * server's answer to the HTTP/2 preface only as a broken pipe: the first connection is closed once the
 * client wrote, later ones get the `400` an HTTP/1.1 server answers the preface with. Only a second look
 * (the client's preface probe) tells it from a peer that merely hangs up. `connections` counts them.
 */
export function http1PeerAnswerLost(): Promise<Peer> {
  let connections = 0;
  const server = net.createServer((connection) => {
    connection.on("error", () => {});
    const first = ++connections === 1;
    connection.once("data", () => {
      if (first) connection.destroy();
      else connection.end("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    });
  });
  return listen(server);
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
