/**
 * PING-based liveness checks of one HTTP/2 session while calls are open.
 *
 * @module
 */

import * as http2 from "node:http2";
import { socketFailure } from "./errors.ts";

/** Timeouts and intervals of a session manager and its liveness checks. */
export interface SessionTimings {
  /** Time the peer has to send its SETTINGS after the connection opened. */
  readonly handshakeTimeoutMs: number;
  /** Quiet time, while a call is open, after which a PING checks the connection (doubled on `too_many_pings`). */
  pingIntervalMs: number;
  /** Time the peer has to answer a PING. */
  readonly pingTimeoutMs: number;
}

/**
 * Checks that a session with open calls still works: after `pingIntervalMs`
 * without data from the peer it sends a PING, and destroys the session when
 * no answer comes within `pingTimeoutMs`. Its calls then fail as a lost
 * connection and the next call dials anew. Timers run only while calls are
 * open: they never keep an idle process alive.
 */
export class Liveness {
  readonly #session: http2.ClientHttp2Session;
  readonly #timings: SessionTimings;
  readonly #socketPath: string;
  #lastAliveAt = Date.now();
  #openCalls = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #deadline: ReturnType<typeof setTimeout> | undefined;

  /** Watches `session`, a connection to `socketPath`; `timings` is shared with the manager. */
  constructor(session: http2.ClientHttp2Session, timings: SessionTimings, socketPath: string) {
    this.#session = session;
    this.#timings = timings;
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
      // A stalled or corrupted connection: broken, and replaced on the next call.
      this.#session.destroy(
        socketFailure("broken", this.#socketPath, `no answer to an HTTP/2 PING within ${timeoutMs} ms`),
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
