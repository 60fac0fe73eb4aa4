/**
 * A connect deadline for runtimes whose `fetch` has none (Deno, Bun): before
 * using a TCP endpoint not yet known to be reachable, open and close one
 * connection with a timeout. Unix sockets need no probe: connecting to them
 * fails or succeeds at once.
 *
 * @module
 */

import { connect } from "node:net";

/** Tracks whether an endpoint answered, and probes it while it has not. */
export class TcpReachability {
  #known = false;

  /** Creates a gate for `host:port` with a connect deadline. */
  readonly host: string;
  readonly port: number;
  readonly timeoutMs: number;

  constructor(host: string, port: number, timeoutMs: number) {
    this.host = host;
    this.port = port;
    this.timeoutMs = timeoutMs;
  }

  /** Resolves once a connection could be opened (at once when one already worked). */
  private async ensure(signal: AbortSignal): Promise<void> {
    if (this.#known) return;
    signal.throwIfAborted();
    await new Promise<void>((resolve, reject) => {
      const socket = connect({ host: this.host, port: this.port });
      const finish = (error?: unknown): void => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        socket.destroy();
        if (error === undefined) resolve();
        else reject(error);
      };
      const onAbort = (): void => finish(signal.reason);
      const timer = setTimeout(() => {
        finish(Object.assign(new Error(`connect ETIMEDOUT ${this.host}:${this.port}`), { code: "ETIMEDOUT" }));
      }, this.timeoutMs);
      signal.addEventListener("abort", onAbort, { once: true });
      socket.once("connect", () => finish());
      socket.once("error", (error) => finish(error));
    });
  }

  /**
   * Runs `request` once the endpoint is known to accept connections; a failed
   * request makes the next one probe again.
   */
  async guard<T>(signal: AbortSignal, request: () => Promise<T>): Promise<T> {
    await this.ensure(signal);
    try {
      const result = await request();
      this.#known = true;
      return result;
    } catch (error) {
      this.#known = false;
      throw error;
    }
  }
}
