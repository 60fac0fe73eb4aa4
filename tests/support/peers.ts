/**
 * Unix-socket peers that do not speak gRPC, for the transport error tests.
 *
 * @module
 */

import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";
import { type UnixSocketServer, unixSocketServer } from "./unix-server.ts";

/** A listening server on a unix socket in a private temporary directory; `close()` removes the directory. */
export type Peer = UnixSocketServer;

function listen(server: net.Server | http.Server | http2.Http2Server): Promise<Peer> {
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

/**
 * A server of another protocol that greets first, as SSH does (`SSH-2.0-…`), and reads what the client
 * sends; it then closes its side (`keepOpen: false`) or keeps the connection open until the client closes.
 */
export function greetingPeer(options: { keepOpen: boolean }): Promise<Peer> {
  return listen(net.createServer((connection) => {
    connection.on("error", () => {});
    connection.resume();
    if (options.keepOpen) connection.write("SSH-2.0-OpenSSH_9.2\r\n");
    else connection.end("SSH-2.0-OpenSSH_9.2\r\n");
  }));
}

/** A peer that cuts the connection in the middle of its answer; `cuts` counts the answers it cut. */
export interface CuttingPeer extends Peer {
  /** Answers cut so far. */
  readonly cuts: number;
}

/** An HTTP/2 frame: 9-byte header (length, type, flags, stream) and payload. */
function http2Frame(type: number, flags: number, stream: number, payload: readonly number[]): Uint8Array {
  const { length } = payload;
  return Uint8Array.from([length >> 16, (length >> 8) & 0xff, length & 0xff, type, flags, 0, 0, 0, stream, ...payload]);
}

const GRPC_CONTENT_TYPE = [...new TextEncoder().encode("application/grpc")];

/** What an HTTP/2 server sends first: its (empty) SETTINGS. */
const HTTP2_SETTINGS_EMPTY: Uint8Array = http2Frame(0x4, 0x0, 0, []);

/**
 * A gRPC server's answer on stream 1, cut short: the ACK of the client's SETTINGS, the response HEADERS
 * (HPACK: `:status: 200`, `content-type: application/grpc`) and a DATA frame with a message header
 * announcing 100 bytes followed by 3 of them.
 */
const GRPC_ANSWER_CUT_SHORT: Uint8Array = Uint8Array.from([
  ...http2Frame(0x4, 0x1, 0, []),
  ...http2Frame(0x1, 0x4, 1, [0x88, 0x5f, GRPC_CONTENT_TYPE.length, ...GRPC_CONTENT_TYPE]),
  ...http2Frame(0x0, 0x0, 1, [0, 0, 0, 0, 100, 1, 2, 3]),
]);

/** An HTTP/1.1 answer cut short; `Connection: close` when the server says it is going away. */
function httpAnswerCutShort(goingAway: boolean): Uint8Array {
  const close = goingAway ? "Connection: close\r\n" : "";
  return new TextEncoder().encode(
    `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nApi-Version: 1.41\r\n${close}Content-Length: 100\r\n\r\n[{"Id":`,
  );
}

/** The HTTP/2 client connection preface's length. */
const HTTP2_PREFACE_LENGTH = 24;

/** Whether `bytes` (from an HTTP/2 client, preface first) hold a whole HEADERS frame: the first request. */
function holdsHttp2Request(bytes: Uint8Array): boolean {
  let at = HTTP2_PREFACE_LENGTH;
  while (at + 9 <= bytes.length) {
    const length = (bytes[at]! << 16) | (bytes[at + 1]! << 8) | bytes[at + 2]!;
    if (bytes[at + 3] === 0x1 && at + 9 + length <= bytes.length) return true;
    at += 9 + length;
  }
  return false;
}

/**
 * A server that starts answering the first request of each connection and drops the connection (no end
 * of stream) halfway through the body: an HTTP/1.1 answer (`http`, the Docker API) or a gRPC answer over
 * HTTP/2 (`grpc`), written by hand so that nothing ends the stream gracefully. `goingAway`: it says it
 * is shutting down first, as a server that stops hard does (HTTP/1.1 `Connection: close`; for gRPC a
 * `node:http2` server destroying its session: GOAWAY, then the cut).
 */
export function cuttingPeer(protocol: "http" | "grpc", options: { goingAway: boolean }): Promise<CuttingPeer> {
  if (protocol === "grpc" && options.goingAway) return http2StoppingPeer();
  const answer = protocol === "http" ? httpAnswerCutShort(options.goingAway) : GRPC_ANSWER_CUT_SHORT;
  let cuts = 0;
  const server = net.createServer((connection) => {
    connection.on("error", () => {});
    if (protocol === "grpc") connection.write(HTTP2_SETTINGS_EMPTY);
    let received = new Uint8Array();
    const onData = (chunk: Uint8Array): void => {
      received = Uint8Array.from([...received, ...chunk]);
      if (protocol === "grpc" && !holdsHttp2Request(received)) return;
      connection.off("data", onData);
      connection.resume();
      connection.write(answer, () => {
        cuts++;
        connection.destroy();
      });
    };
    connection.on("data", onData);
  });
  return listen(server).then((peer) => Object.defineProperty(peer, "cuts", { get: () => cuts }) as CuttingPeer);
}

/** A `node:http2` server that answers each call with 3 bytes of a 100-byte message, then destroys its session. */
function http2StoppingPeer(): Promise<CuttingPeer> {
  let cuts = 0;
  const server = http2.createServer();
  server.on("session", (session) => session.on("error", () => {}));
  server.on("stream", (stream) => {
    stream.on("error", () => {});
    stream.respond({ ":status": 200, "content-type": "application/grpc" });
    stream.write(Uint8Array.from([0, 0, 0, 0, 100, 1, 2, 3]), () => {
      cuts++;
      stream.session?.destroy();
    });
  });
  return listen(server).then((peer) => Object.defineProperty(peer, "cuts", { get: () => cuts }) as CuttingPeer);
}

/** A peer that takes requests and never answers them; `requests` counts those it got. */
export interface UnansweringPeer extends Peer {
  /** Requests received so far. */
  readonly requests: number;
}

/**
 * A server of the protocol that takes each request (after the HTTP/2 handshake, for `grpc`) and never
 * answers it: a hung engine.
 */
export function unansweringPeer(protocol: "http" | "grpc"): Promise<UnansweringPeer> {
  let requests = 0;
  let server: http.Server | http2.Http2Server;
  if (protocol === "http") {
    server = http.createServer(() => requests++);
  } else {
    server = http2.createServer();
    server.on("session", (session) => session.on("error", () => {}));
    server.on("stream", (stream) => {
      stream.on("error", () => {});
      requests++;
    });
  }
  return listen(server).then((peer) => Object.defineProperty(peer, "requests", { get: () => requests }) as UnansweringPeer);
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
