/**
 * The Docker `/events` subscription as an {@linkcode EventStream}.
 *
 * To let the watcher list without waiting for the stream's headers (podman
 * sends none until the first event), the subscription starts in the past:
 * it reads the engine's clock from `/_ping`'s `Date` header, subtracts a
 * safety margin and asks for `/events?since=…`. The engine replays what
 * happened since then (Docker keeps its last 256 events, podman its event
 * log), so `subscribed` can settle as soon as the request is issued.
 *
 * @module
 */

import type { EngineEvent, EventStream, LifecycleEventsOptions } from "../../lib/engine.ts";
import { EngineError, EngineProtocolError, EngineUnavailableError } from "../../lib/errors.ts";
import { decodeJsonLines } from "../../lib/ndjson.ts";
import type { DockerConnection } from "./connection.ts";
import { eventFromMessage } from "./convert.ts";

/**
 * How far before the engine's clock reading a fresh subscription starts. The
 * `Date` header has whole seconds, so the effective margin is 1–2 s; the
 * watcher folds in the few replayed events idempotently.
 */
export const SUBSCRIBE_MARGIN_MS = 1000;

/** Server-side filter: container events only; actions are mapped here (podman says `died`, not `die`). */
const FILTERS = encodeURIComponent(JSON.stringify({ type: ["container"] }));

/** Formats ms since the epoch as the `SECONDS.FRACTION` the events API wants. */
export function sinceParameter(ms: number): string {
  const whole = Math.max(0, Math.floor(ms));
  return `${Math.floor(whole / 1000)}.${String(whole % 1000).padStart(3, "0")}`;
}

/** A one-shot iteration over a Docker engine's container lifecycle events. */
export class DockerEventStream implements EventStream {
  /** Settles once the `/events` request is issued; rejects when it cannot be. */
  readonly subscribed: Promise<void>;
  readonly #connection: DockerConnection;
  readonly #signal: AbortSignal;
  /** Ends the request when the iteration stops early. */
  readonly #stop = new AbortController();
  readonly #response: Promise<Response>;
  #iterated = false;

  /** Starts subscribing at once; iterate the stream to receive the events. */
  constructor(connection: DockerConnection, options: LifecycleEventsOptions) {
    this.#connection = connection;
    this.#signal = options.signal;
    const requestSignal = AbortSignal.any([options.signal, this.#stop.signal]);
    let issued!: () => void;
    let failed!: (error: unknown) => void;
    this.subscribed = new Promise<void>((resolve, reject) => {
      issued = resolve;
      failed = reject;
    });
    // Whoever does not await `subscribed` still sees the failure when iterating.
    this.subscribed.catch(() => {});
    this.#response = (async () => {
      const { transport, apiVersion } = await connection.negotiated(requestSignal);
      const since = options.since ?? (await this.#engineNow(requestSignal)) - SUBSCRIBE_MARGIN_MS;
      const response = connection.stream(
        apiVersion,
        transport,
        `/events?since=${sinceParameter(since)}&filters=${FILTERS}`,
        requestSignal,
      );
      issued();
      return response;
    })();
    this.#response.catch(failed);
  }

  async #engineNow(signal: AbortSignal): Promise<number> {
    const ping = await this.#connection.ping(undefined, signal);
    // Without a Date header (a proxy may drop it) the local clock has to do.
    return ping.date ?? Date.now();
  }

  /** Yields the lifecycle events; see {@linkcode EventStream} for how it ends. */
  async *[Symbol.asyncIterator](): AsyncGenerator<EngineEvent> {
    if (this.#iterated) throw new TypeError("a Docker event stream can be iterated only once");
    this.#iterated = true;
    const api = this.#connection.api;
    try {
      const response = await this.#response;
      if (!response.body) throw new EngineProtocolError(`${api} sent no event stream body`, { endpoint: api });
      for await (const message of decodeJsonLines(response.body, { endpoint: api })) {
        // Chunks read before an abort may hold more events: deliver none after it.
        if (this.#signal.aborted) return;
        const event = eventFromMessage(message);
        if (event) yield event;
      }
      if (this.#signal.aborted) return;
      throw new EngineUnavailableError(`the event stream of ${api} ended`, {
        endpoint: api,
        hint: "the engine stopped or restarted, or a proxy closed the connection; resubscribe and resync",
      });
    } catch (error) {
      if (this.#signal.aborted) return;
      if (error instanceof EngineError) throw error;
      throw new EngineUnavailableError(`the event stream of ${api} broke`, {
        endpoint: api,
        cause: error,
        hint: "resubscribe and resync",
      });
    } finally {
      this.#stop.abort();
    }
  }
}
