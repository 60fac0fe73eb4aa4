/**
 * gRPC over a unix socket with Connect (`@connectrpc/connect-node`), for
 * engines such as containerd (and later CRI) that serve plain gRPC on HTTP/2
 * cleartext. Engine-neutral: callers name their engine for error messages.
 *
 * Connect-Node has no unix-socket support of its own (connect-es#756), so this
 * module brings its own HTTP/2 session manager: it dials the socket with
 * `node:net`, waits for the peer's HTTP/2 SETTINGS with a timeout (a peer that
 * speaks another protocol — say dockerd's HTTP/1.1 socket — fails fast with
 * {@linkcode EngineProtocolError} instead of hanging), keeps a permanent error
 * listener on every session (an unhandled `error` event would crash the
 * process), holds the process alive only while a call is open, checks with
 * HTTP/2 PINGs that a quiet connection still works (a corrupted one can
 * otherwise stall forever without an error), and closes without leaving
 * handles. It works with `node:http2` of Node, Deno and Bun.
 *
 * @module
 */

import * as http2 from "node:http2";
import * as net from "node:net";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Interceptor, Transport } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import {
  EngineApiError,
  EngineError,
  EnginePermissionError,
  EngineProtocolError,
  EngineUnavailableError,
} from "../errors.ts";

/** The authority every request uses; the unix socket decides where it goes. */
const AUTHORITY = "http://localhost";

/** Default limit of a received message: 16 MiB, as containerd's own client (one container carries its OCI spec). */
export const DEFAULT_READ_MAX_BYTES: number = 16 << 20;

/** Default time the peer has to answer the HTTP/2 handshake. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 5_000;

/** Default deadline of unary calls. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/**
 * Default quiet time, while a call is open, after which a PING checks the
 * connection: 6 minutes. gRPC servers (grpc-go, so containerd) answer pings
 * more frequent than every 5 minutes without data in between with GOAWAY
 * `too_many_pings`.
 */
export const DEFAULT_PING_INTERVAL_MS = 360_000;

/** Default time the peer has to answer a PING. */
export const DEFAULT_PING_TIMEOUT_MS = 20_000;

/** Options of {@linkcode createUnixGrpcTransport}. */
export interface UnixGrpcTransportOptions {
  /** Path of the unix socket the engine serves gRPC on. */
  socketPath: string;
  /** Engine name for error messages, e.g. `containerd`. */
  engineName: string;
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
  /** Observes every call by its full method name, e.g. `containerd.services.version.v1.Version/Version`. */
  onCall?: (method: string) => void;
}

/** A Connect transport over one unix socket, and the means to close it. */
export interface UnixGrpcTransport extends AsyncDisposable {
  /** The Connect transport to create service clients with. */
  readonly transport: Transport;
  /**
   * Resolves once the next call to the gRPC method at `path` (e.g.
   * `/containerd.services.events.v1.Events/Subscribe`) has handed its whole
   * request to the HTTP/2 connection, or has failed to. A call made after
   * that reaches the peer after it, on the same connection.
   */
  requestSent(path: string): Promise<void>;
  /** Closes the HTTP/2 connection and every call on it; later calls fail. */
  close(): void;
}

/**
 * Creates a Connect gRPC transport that talks HTTP/2 over the unix socket at
 * `options.socketPath`.
 *
 * @example
 * ```ts
 * import { createClient } from "@connectrpc/connect";
 * const grpc = createUnixGrpcTransport({ socketPath: "/run/containerd/containerd.sock", engineName: "containerd" });
 * // const version = await createClient(Version, grpc.transport).version({});
 * grpc.close();
 * ```
 */
export function createUnixGrpcTransport(options: UnixGrpcTransportOptions): UnixGrpcTransport {
  const sessions = new UnixSocketSessionManager(options.socketPath, options.engineName, {
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

/** Timeouts and intervals of a {@linkcode UnixSocketSessionManager}. */
interface SessionTimings {
  readonly handshakeTimeoutMs: number;
  pingIntervalMs: number;
  readonly pingTimeoutMs: number;
}

/**
 * Checks that a session with open calls still works: after `pingIntervalMs`
 * without data from the peer it sends a PING, and destroys the session when
 * no answer comes within `pingTimeoutMs`. Its calls then fail as a lost
 * connection and the next call dials anew. Timers run only while calls are
 * open: they never keep an idle process alive.
 */
class Liveness {
  readonly #session: http2.ClientHttp2Session;
  readonly #timings: SessionTimings;
  readonly #engineName: string;
  readonly #socketPath: string;
  #lastAliveAt = Date.now();
  #openCalls = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #deadline: ReturnType<typeof setTimeout> | undefined;

  constructor(session: http2.ClientHttp2Session, timings: SessionTimings, engineName: string, socketPath: string) {
    this.#session = session;
    this.#timings = timings;
    this.#engineName = engineName;
    this.#socketPath = socketPath;
    session.once("close", () => this.#stop());
  }

  /** Counts an opened call; returns whether it is the only one. */
  callOpened(): boolean {
    this.#openCalls++;
    if (this.#openCalls === 1) this.#schedule(this.#timings.pingIntervalMs);
    return this.#openCalls === 1;
  }

  /** Counts a closed call; returns whether none is left. */
  callClosed(): boolean {
    this.#openCalls = Math.max(0, this.#openCalls - 1);
    if (this.#openCalls === 0) this.#stop();
    return this.#openCalls === 0;
  }

  /** Notes that the peer sent something: the connection works. */
  alive(): void {
    this.#lastAliveAt = Date.now();
  }

  #schedule(delayMs: number): void {
    clearTimeout(this.#timer);
    if (!Number.isFinite(delayMs) || this.#session.destroyed) return;
    this.#timer = setTimeout(() => this.#check(), delayMs);
  }

  #stop(): void {
    clearTimeout(this.#timer);
    clearTimeout(this.#deadline);
    this.#timer = this.#deadline = undefined;
  }

  #check(): void {
    const quietMs = Date.now() - this.#lastAliveAt;
    if (quietMs < this.#timings.pingIntervalMs) {
      this.#schedule(this.#timings.pingIntervalMs - quietMs);
      return;
    }
    const timeoutMs = this.#timings.pingTimeoutMs;
    const broken = (): void => {
      this.#stop();
      this.#session.destroy(
        new EngineUnavailableError(
          `${this.#engineName} at ${this.#socketPath} did not answer an HTTP/2 PING within ${timeoutMs} ms`,
          {
          endpoint: this.#socketPath,
          hint: "the connection stalled or carries corrupted data; it is replaced on the next call",
          },
        ),
        http2.constants.NGHTTP2_CANCEL,
      );
    };
    this.#deadline = setTimeout(broken, timeoutMs);
    const sent = this.#session.ping((error, durationMs) => {
      clearTimeout(this.#deadline);
      // A failed ping (session destroyed meanwhile) also reaches the session's error listener.
      if (error) return;
      if (durationMs > timeoutMs) return broken();
      this.alive();
      if (this.#openCalls > 0) this.#schedule(this.#timings.pingIntervalMs);
    });
    if (!sent) clearTimeout(this.#deadline);
  }
}

/**
 * Maintains at most one HTTP/2 session to a unix socket, reconnecting on the
 * next request after the previous session ended. Implements Connect-Node's
 * `NodeHttp2ClientSessionManager` interface.
 */
class UnixSocketSessionManager {
  readonly authority = AUTHORITY;
  readonly #socketPath: string;
  readonly #engineName: string;
  readonly #timings: SessionTimings;
  #current: Promise<http2.ClientHttp2Session> | undefined;
  #session: http2.ClientHttp2Session | undefined;
  /** Open calls and liveness checks per session: only sessions with open calls keep the process alive. */
  readonly #liveness = new WeakMap<http2.ClientHttp2Session, Liveness>();
  #closed = false;
  readonly #sentWaiters = new Map<string, Array<() => void>>();

  constructor(socketPath: string, engineName: string, timings: SessionTimings) {
    this.#socketPath = socketPath;
    this.#engineName = engineName;
    this.#timings = { ...timings };
  }

  /** Opens a stream for one call (Connect-Node calls this). */
  async request(
    method: string,
    path: string,
    headers: http2.OutgoingHttpHeaders,
    options: Omit<http2.ClientSessionRequestOptions, "signal">,
  ): Promise<http2.ClientHttp2Stream> {
    // Waiters for this method's next request belong to this call.
    const sentWaiters = this.#sentWaiters.get(path) ?? [];
    this.#sentWaiters.delete(path);
    const notifySent = (): void => {
      for (const resolve of sentWaiters.splice(0)) resolve();
    };
    let session: http2.ClientHttp2Session;
    let stream: http2.ClientHttp2Stream;
    try {
      session = await this.session();
      try {
        stream = session.request({ ...headers, ":method": method, ":path": path }, options);
      } catch (error) {
        // The session went away (GOAWAY, peer closed) since it was handed out: dial once more.
        if (!session.closed && !session.destroyed) throw error;
        session = await this.session();
        stream = session.request({ ...headers, ":method": method, ":path": path }, options);
      }
    } catch (error) {
      notifySent();
      throw error;
    }
    // Only open calls keep the process alive; an idle session must not.
    const liveness = this.#liveness.get(session);
    if (liveness?.callOpened()) session.ref();
    stream.once("response", () => liveness?.alive());
    stream.once("close", () => {
      if (liveness?.callClosed() && !session.destroyed) session.unref();
      notifySent();
    });
    stream.once("finish", notifySent);
    return stream;
  }

  /** See {@linkcode UnixGrpcTransport.requestSent}. */
  requestSent(path: string): Promise<void> {
    return new Promise((resolve) => {
      const waiters = this.#sentWaiters.get(path);
      if (waiters === undefined) this.#sentWaiters.set(path, [resolve]);
      else waiters.push(resolve);
    });
  }

  /** Notes that a response delivered data: its connection works (Connect-Node calls this). */
  notifyResponseByteRead(stream: http2.ClientHttp2Stream): void {
    this.#liveness.get(stream.session as http2.ClientHttp2Session)?.alive();
  }

  /** Returns the established session, connecting when there is none. */
  session(): Promise<http2.ClientHttp2Session> {
    if (this.#closed) {
      return Promise.reject(new ConnectError(`${this.#engineName} client is closed`, Code.Canceled));
    }
    if (this.#current === undefined || this.#session?.closed || this.#session?.destroyed) {
      this.#current = this.#connect();
      // A failed attempt is not cached: the next request dials again.
      this.#current.catch(() => {
        this.#current = undefined;
      });
    }
    return this.#current;
  }

  /** Destroys the current session and refuses further requests. */
  close(): void {
    this.#closed = true;
    for (const waiters of this.#sentWaiters.values()) for (const resolve of waiters) resolve();
    this.#sentWaiters.clear();
    this.#session?.destroy();
    this.#session = undefined;
    this.#current = undefined;
  }

  #connect(): Promise<http2.ClientHttp2Session> {
    const socketPath = this.#socketPath;
    const engineName = this.#engineName;
    return new Promise((resolve, reject) => {
      let handshakeDone = false;
      const session = http2.connect(AUTHORITY, { createConnection: () => net.connect(socketPath) });
      this.#session = session;
      const fail = (error: EngineError): void => {
        clearTimeout(timer);
        // close() during the handshake is no failure of the peer.
        reject(this.#closed ? new ConnectError(`${engineName} client is closed`, Code.Canceled) : error);
        session.destroy();
      };
      const timer = setTimeout(() => {
        fail(
          new EngineProtocolError(
            `${engineName} at ${socketPath} did not complete an HTTP/2 handshake within ${this.#timings.handshakeTimeoutMs} ms`,
            { endpoint: socketPath, hint: `check that ${socketPath} is a gRPC socket of ${engineName}` },
          ),
        );
      }, this.#timings.handshakeTimeoutMs);
      // Permanent listener: after a session failed, node:http2 may emit further
      // errors; unhandled, they would crash the process.
      session.on("error", (error: unknown) => {
        if (!handshakeDone) fail(connectionError(error, socketPath, engineName));
      });
      session.once("close", () => {
        if (!handshakeDone) {
          fail(
            new EngineProtocolError(`${engineName} at ${socketPath} closed the connection during the HTTP/2 handshake`, {
              endpoint: socketPath,
              hint: `the socket does not speak gRPC over HTTP/2; check that it belongs to ${engineName}`,
            }),
          );
        }
      });
      // A gRPC server that finds our PINGs too frequent says so before it closes
      // the connection: back off, as gRPC's client keepalive design says.
      session.on("goaway", (_code: number, _lastStreamId: number, data?: Buffer) => {
        if (data?.toString("latin1") === "too_many_pings") this.#timings.pingIntervalMs *= 2;
      });
      // The peer's SETTINGS frame is the first thing an HTTP/2 server sends.
      session.once("remoteSettings", () => {
        handshakeDone = true;
        clearTimeout(timer);
        if (this.#closed) {
          session.destroy();
          reject(new ConnectError(`${engineName} client is closed`, Code.Canceled));
          return;
        }
        session.unref();
        this.#liveness.set(session, new Liveness(session, this.#timings, engineName, socketPath));
        resolve(session);
      });
    });
  }
}

/** Node-style error codes of an error and its causes. */
function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  const seen = new Set<unknown>();
  for (let e = error; e instanceof Error && !seen.has(e); e = e.cause) {
    seen.add(e);
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") codes.push(code);
    // Deno denies a missing --allow-read/--allow-write/--allow-net with these error classes.
    if (e.name === "NotCapable" || e.name === "PermissionDenied") codes.push("EACCES");
  }
  return codes;
}

/** Dialing errors that mean nothing listens at the path. */
const NOTHING_LISTENS = ["ENOENT", "ECONNREFUSED", "ENOTDIR", "ENOTSOCK"];

/** Errors by which a peer that accepted the connection dropped it. */
const PEER_HUNG_UP = ["ECONNRESET", "EPIPE"];

/** Whether an error in the chain is a failed `connect` system call, other than the peer hanging up. */
function isDialError(error: unknown): boolean {
  const seen = new Set<unknown>();
  for (let e = error; e instanceof Error && !seen.has(e); e = e.cause) {
    seen.add(e);
    const { syscall, code } = e as { syscall?: unknown; code?: unknown };
    if (syscall === "connect" && !PEER_HUNG_UP.includes(String(code))) return true;
  }
  return false;
}

/** Maps an error of dialing or of the HTTP/2 handshake to a typed error. */
function connectionError(error: unknown, socketPath: string, engineName: string): EngineError {
  const codes = errorCodes(error);
  if (NOTHING_LISTENS.some((code) => codes.includes(code))) {
    return new EngineUnavailableError(`no ${engineName} at ${socketPath}`, {
      endpoint: socketPath,
      hint: `start ${engineName} or point the client at its socket`,
      cause: error,
    });
  }
  if (codes.includes("EACCES") || codes.includes("EPERM")) {
    return new EnginePermissionError(`permission denied connecting to ${engineName} at ${socketPath}`, {
      endpoint: socketPath,
      hint: `run as a user that may open ${socketPath} (often root); under Deno also grant ` +
        `--allow-read=${socketPath} --allow-write=${socketPath} --allow-net=unix:${socketPath}`,
      cause: error,
    });
  }
  if (isDialError(error)) {
    return new EngineUnavailableError(`cannot connect to ${engineName} at ${socketPath}: ${codes[0] ?? "error"}`, {
      endpoint: socketPath,
      cause: error,
    });
  }
  return new EngineProtocolError(`${engineName} at ${socketPath} does not speak gRPC over HTTP/2`, {
    endpoint: socketPath,
    hint: `check that ${socketPath} is the gRPC socket of ${engineName}`,
    cause: error,
  });
}

/** Whether a Node error code means the connection broke (ECONNRESET, EPIPE, ERR_HTTP2_…). */
function isBrokenConnectionCode(code: string): boolean {
  return PEER_HUNG_UP.includes(code) || code.startsWith("ERR_HTTP2_") ||
    code === "ERR_STREAM_PREMATURE_CLOSE" || code === "ERR_STREAM_DESTROYED";
}

/** gRPC codes that Connect reports when the connection, not the request, failed. */
const CONNECTION_CODES: ReadonlySet<Code> = new Set([Code.Canceled, Code.Aborted, Code.Unavailable]);

/**
 * Turns any error of a call made through a {@linkcode createUnixGrpcTransport}
 * transport into a typed error naming the socket: connection failures become
 * {@linkcode EngineUnavailableError}, {@linkcode EnginePermissionError} or
 * {@linkcode EngineProtocolError}; gRPC error statuses from the engine become
 * {@linkcode EngineApiError} carrying the gRPC code number.
 *
 * Call it only when the caller did not cancel on purpose: a user abort and a
 * dropped connection both surface as `Canceled` in Connect.
 */
export function grpcEngineError(error: unknown, socketPath: string, engineName: string): EngineError {
  const seen = new Set<unknown>();
  for (let e = error; e instanceof Error && !seen.has(e); e = e.cause) {
    seen.add(e);
    if (e instanceof EngineError) return e;
  }
  const codes = errorCodes(error);
  if ([...NOTHING_LISTENS, "EACCES", "EPERM"].some((code) => codes.includes(code))) {
    return connectionError(error, socketPath, engineName);
  }
  const connectError = ConnectError.from(error);
  if (CONNECTION_CODES.has(connectError.code) || codes.some(isBrokenConnectionCode)) {
    return new EngineUnavailableError(`lost connection to ${engineName} at ${socketPath}: ${connectError.rawMessage}`, {
      endpoint: socketPath,
      cause: error,
    });
  }
  if (connectError.code === Code.DeadlineExceeded) {
    return new EngineUnavailableError(`${engineName} at ${socketPath} did not answer in time`, {
      endpoint: socketPath,
      cause: error,
    });
  }
  return new EngineApiError(`${engineName} at ${socketPath}: ${Code[connectError.code]}: ${connectError.rawMessage}`, {
    endpoint: socketPath,
    status: connectError.code,
    cause: error,
  });
}
