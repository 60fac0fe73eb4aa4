/**
 * gRPC over a unix socket with Connect (`@connectrpc/connect-node`), for
 * engines such as containerd (and later CRI) that serve plain gRPC on HTTP/2
 * cleartext. Engine-neutral: failures are structured
 * `TransportError`s (see `errors.ts`), worded by the engine client.
 *
 * Connect-Node has no unix-socket support of its own (connect-es#756), so
 * this brings its own HTTP/2 session manager (`session-manager.ts`): it
 * dials the socket with `node:net`, waits for the peer's HTTP/2 SETTINGS
 * with a timeout (a peer that speaks another protocol — say an HTTP/1.1
 * socket — fails fast instead of hanging), keeps a permanent error listener
 * on every session (an unhandled `error` event would crash the process),
 * holds the process alive only while a call is open, checks with HTTP/2
 * PINGs that a quiet connection still works (`liveness.ts`; a corrupted one
 * can otherwise stall forever without an error), and closes without leaving
 * handles. It works with `node:http2` of Node, Deno and Bun.
 *
 * @module
 */

import type { Interceptor, Transport } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";

import { AUTHORITY, UnixSocketSessionManager } from "./session-manager.ts";

/** Default limit of a received message: 16 MiB (one container record can carry a large spec). */
export const DEFAULT_READ_MAX_BYTES: number = 16 << 20;

/** Default time the peer has to answer the HTTP/2 handshake. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 5_000;

/** Default deadline of unary calls. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/**
 * Default quiet time, while a call is open, after which a PING checks the
 * connection: 6 minutes. gRPC servers (grpc-go) answer pings more frequent
 * than every 5 minutes without data in between with GOAWAY `too_many_pings`.
 */
export const DEFAULT_PING_INTERVAL_MS = 360_000;

/** Default time the peer has to answer a PING. */
export const DEFAULT_PING_TIMEOUT_MS = 20_000;

/** Options of {@linkcode createUnixGrpcTransport}. */
export interface UnixGrpcTransportOptions {
  /** Path of the unix socket the engine serves gRPC on. */
  socketPath: string;
  /** Time the peer has to complete the HTTP/2 handshake; default 5 s. */
  handshakeTimeoutMs?: number;
  /** Deadline of unary calls (streaming calls pass `timeoutMs: 0`); default 30 s. */
  requestTimeoutMs?: number;
  /** Largest message accepted from the peer; default 16 MiB. */
  readMaxBytes?: number;
  /** Quiet time while a call is open after which a PING checks the connection; default 6 minutes. */
  pingIntervalMs?: number;
  /** Time the peer has to answer a PING before the connection is dropped; default 20 s. */
  pingTimeoutMs?: number;
  /** Observes every call by its full method name, e.g. `example.v1.Version/Version`. */
  onCall?: (method: string) => void;
}

/** A Connect transport over one unix socket, and the means to close it. */
export interface UnixGrpcTransport extends AsyncDisposable {
  /** The Connect transport to create service clients with. */
  readonly transport: Transport;
  /**
   * Resolves once the next call to the gRPC method at `path` (e.g.
   * `/example.v1.Events/Subscribe`) has handed its whole request to the
   * HTTP/2 connection, or has failed to. A call made after that reaches the
   * peer after it, on the same connection.
   */
  requestSent(path: string): Promise<void>;
  /** Closes the HTTP/2 connection and every call on it; later calls fail. */
  close(): void;
}

/**
 * Creates a Connect gRPC transport that talks HTTP/2 over the unix socket at
 * `options.socketPath`. Connection failures of its calls carry a
 * `TransportError` (find it with `classifyGrpcError`).
 *
 * @example
 * ```ts
 * import { createClient } from "@connectrpc/connect";
 * const grpc = createUnixGrpcTransport({ socketPath: "/run/engine/engine.sock" });
 * // const version = await createClient(Version, grpc.transport).version({});
 * grpc.close();
 * ```
 */
export function createUnixGrpcTransport(options: UnixGrpcTransportOptions): UnixGrpcTransport {
  const sessions = new UnixSocketSessionManager(options.socketPath, {
    handshakeTimeoutMs: options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
    pingIntervalMs: options.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS,
    pingTimeoutMs: options.pingTimeoutMs ?? DEFAULT_PING_TIMEOUT_MS,
  });
  const onCall = options.onCall;
  const observe: Interceptor[] = onCall === undefined ? [] : [(next) => (request) => {
    onCall(`${request.service.typeName}/${request.method.name}`);
    return next(request);
  }];
  // createGrpcTransport always speaks HTTP/2 (it has no httpVersion option).
  const transport = createGrpcTransport({
    baseUrl: AUTHORITY,
    sessionManager: sessions,
    readMaxBytes: options.readMaxBytes ?? DEFAULT_READ_MAX_BYTES,
    defaultTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    interceptors: observe,
  });
  return {
    transport,
    requestSent: (path) => sessions.requestSent(path),
    close: () => sessions.close(),
    [Symbol.asyncDispose]: () => {
      sessions.close();
      return Promise.resolve();
    },
  };
}

