/**
 * The HTTP/2 session manager of the unix-socket gRPC transport: at most one
 * session to the socket, dialed on demand and again after it ended.
 *
 * Why not Connect-Node's own `Http2SessionManager` (checked against
 * @connectrpc/connect-node 2.2 with `nodeOptions.createConnection` dialing
 * the socket)? It does have PINGs and idle handling, but it counts a session
 * as ready at the socket's `connect` event, before the peer said anything:
 * against a peer that speaks another protocol or nothing at all a unary call
 * waits for its deadline and a stream (no deadline) hangs forever, where this
 * manager fails within the handshake timeout with a typed error; and a peer
 * that accepts and closes without a byte sends it into a reconnect loop in
 * `request()`. It also offers no hook for {@linkcode UnixSocketSessionManager.requestSent}.
 * So this manager stays, with the liveness checks in `liveness.ts`.
 *
 * @module
 */

import * as http2 from "node:http2";
import * as net from "node:net";
import { Code, ConnectError } from "@connectrpc/connect";
import { deferred } from "../../async/deferred.ts";
import type { TransportError } from "../failure.ts";
import { connectionFailure, socketFailure } from "./errors.ts";
import { answerToHttp2Preface, isHttp2Settings } from "../greeting.ts";
import { Liveness, type SessionTimings } from "./liveness.ts";

/** The authority every request uses; the unix socket decides where it goes. */
export const AUTHORITY = "http://localhost";

function closedError(): ConnectError {
  return new ConnectError("the gRPC transport is closed", Code.Canceled);
}

/**
 * Maintains at most one HTTP/2 session to a unix socket, reconnecting on the
 * next request after the previous session ended. Implements Connect-Node's
 * `NodeHttp2ClientSessionManager` interface.
 */
export class UnixSocketSessionManager {
  /** The authority of every request (Connect-Node reads it). */
  readonly authority: string = AUTHORITY;
  readonly #socketPath: string;
  readonly #timings: SessionTimings;
  #current: Promise<http2.ClientHttp2Session> | undefined;
  #session: http2.ClientHttp2Session | undefined;
  /** Open calls and liveness checks per session: only sessions with open calls keep the process alive. */
  readonly #liveness = new WeakMap<http2.ClientHttp2Session, Liveness>();
  #closed = false;
  readonly #sentWaiters = new Map<string, Array<() => void>>();

  /** Prepares the manager; nothing is dialed until the first request. */
  constructor(socketPath: string, timings: SessionTimings) {
    this.#socketPath = socketPath;
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

  /**
   * Resolves once the next call to the gRPC method at `path` has handed its
   * whole request to the HTTP/2 connection, or has failed to.
   */
  requestSent(path: string): Promise<void> {
    const sent = deferred<void>();
    const waiters = this.#sentWaiters.get(path);
    if (waiters === undefined) this.#sentWaiters.set(path, [() => sent.resolve()]);
    else waiters.push(() => sent.resolve());
    return sent.promise;
  }

  /** Notes that a response delivered data: its connection works (Connect-Node calls this). */
  notifyResponseByteRead(stream: http2.ClientHttp2Stream): void {
    this.#liveness.get(stream.session as http2.ClientHttp2Session)?.alive();
  }

  /** Returns the established session, connecting when there is none. */
  session(): Promise<http2.ClientHttp2Session> {
    if (this.#closed) return Promise.reject(closedError());
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

  /**
   * Dials the socket and waits for the peer's SETTINGS, the first thing an
   * HTTP/2 server sends: bytes that are not HTTP/2 fail as `protocol`, a
   * peer that closes first as `broken`, silence as `timeout`.
   */
  #connect(): Promise<http2.ClientHttp2Session> {
    const socketPath = this.#socketPath;
    const handshake = deferred<http2.ClientHttp2Session>();
    let handshakeDone = false;
    const session = http2.connect(AUTHORITY, { createConnection: () => net.connect(socketPath) });
    this.#session = session;
    let failed = false;
    const fail = (error: TransportError): void => {
      if (failed) return;
      failed = true;
      clearTimeout(timer);
      session.destroy();
      // close() during the handshake is no failure of the peer.
      if (this.#closed) return handshake.reject(closedError());
      if (error.failure !== "broken") return handshake.reject(error);
      // Deno reports an HTTP/1.1 server's answer to our preface as a broken pipe: ask once more and look.
      void answerToHttp2Preface(socketPath).then((answer) => {
        handshake.reject(
          answer === undefined || isHttp2Settings(answer) ? error : socketFailure(
            "protocol",
            socketPath,
            `${error.detail}; the peer answers the HTTP/2 preface with bytes that are not HTTP/2`,
            error.cause,
          ),
        );
      });
    };
    const timeoutMs = this.#timings.handshakeTimeoutMs;
    const timer = setTimeout(() => {
      fail(socketFailure("timeout", socketPath, `no HTTP/2 handshake within ${timeoutMs} ms`));
    }, timeoutMs);
    // Permanent listener: after a session failed, node:http2 may emit further
    // errors; unhandled, they would crash the process.
    session.on("error", (error: unknown) => {
      if (!handshakeDone) fail(connectionFailure(error, socketPath));
    });
    session.once("close", () => {
      if (!handshakeDone) fail(socketFailure("broken", socketPath, "the peer closed the connection before the HTTP/2 handshake"));
    });
    // A gRPC server that finds our PINGs too frequent says so before it closes
    // the connection: back off, as gRPC's client keepalive design says.
    session.on("goaway", (_code: number, _lastStreamId: number, data?: Buffer) => {
      if (data?.toString("latin1") === "too_many_pings") this.#timings.pingIntervalMs *= 2;
    });
    session.once("remoteSettings", () => {
      handshakeDone = true;
      clearTimeout(timer);
      if (this.#closed) {
        session.destroy();
        handshake.reject(closedError());
        return;
      }
      session.unref();
      this.#liveness.set(session, new Liveness(session, this.#timings, socketPath));
      handshake.resolve(session);
    });
    return handshake.promise;
  }
}
