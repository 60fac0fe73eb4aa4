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
 * A resubscription with `since` (the watcher's last seen event) replays what
 * the watcher missed. Those replayed events must be folded in before the
 * resync's list, or the missed exits would be stamped with the list's time:
 * so `subscribed` settles only after a bounded request (`since=…&until=now`)
 * has fetched that backlog, which the stream yields first; the live stream's
 * own replay of the same events is then skipped.
 *
 * Docker reports an OOM kill as an `oom` event before the `die`: the stream
 * remembers it per container (until its next start) and marks the following
 * exit `oom: true`, as Docker's own `State.OOMKilled` does.
 *
 * @module
 */

import { deferred } from "../../lib/async/deferred.ts";
import { linkSignals } from "../../lib/async/signals.ts";
import type { EngineEvent, EventStream, LifecycleEventsOptions } from "../../lib/engine.ts";
import { EngineError, EngineProtocolError, EngineUnavailableError } from "../../lib/errors.ts";
import { decodeJsonLines } from "./ndjson.ts";
import type { DockerConnection } from "./connection.ts";
import type { HttpResponse } from "../../lib/transport/http.ts";
import { eventFromMessage, loggedAtMs, oomFromMessage } from "./convert.ts";

/**
 * How far before the engine's clock reading a fresh subscription starts. The
 * `Date` header has whole seconds, so the effective margin is 1–2 s; the
 * watcher folds in the few replayed events idempotently.
 */
export const SUBSCRIBE_MARGIN_MS = 1000;

/** Server-side filter: container events only; actions are mapped here (podman says `died`, not `die`). */
const FILTERS = encodeURIComponent(JSON.stringify({ type: ["container"] }));

/** How many containers with an OOM kill but no exit yet the stream remembers; beyond, the oldest are forgotten. */
const MAX_OOM_REMEMBERED = 4096;

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
  readonly #response: Promise<HttpResponse>;
  /** The replayed backlog, yielded ahead of the live stream (empty without `since`). */
  #backlog: EngineEvent[] = [];
  #iterated = false;
  /** Removes the request signal's links to the caller's signal. */
  readonly #unlink: () => void;
  readonly #oom = new OomMarks();

  /** Starts subscribing at once; iterate the stream to receive the events. */
  constructor(connection: DockerConnection, options: LifecycleEventsOptions) {
    this.#connection = connection;
    this.#signal = options.signal;
    // Ends with the caller's signal or an early stop; unlinked when the iteration ends.
    const request = linkSignals(options.signal, this.#stop.signal);
    this.#unlink = request.dispose;
    const requestSignal = request.signal;
    // Handled: whoever does not await `subscribed` still sees the failure when iterating.
    const subscribed = deferred<void>({ handled: true });
    this.subscribed = subscribed.promise;
    this.#response = (async () => {
      const { transport, apiVersion } = await connection.negotiated(requestSignal);
      const since = options.since ?? (await this.#engineNow(requestSignal)) - SUBSCRIBE_MARGIN_MS;
      const response = connection.stream(
        apiVersion,
        transport,
        `/events?since=${sinceParameter(since)}&filters=${FILTERS}`,
        requestSignal,
      );
      // Observed when iterating; a failed backlog fetch must not leave it unhandled.
      response.catch(() => {});
      if (options.since !== undefined) this.#backlog = await this.#fetchBacklog(options.since, requestSignal);
      subscribed.resolve();
      return response;
    })();
    this.#response.catch((error: unknown) => subscribed.reject(error));
  }

  /** Decodes one message; see {@linkcode OomMarks}. */
  #decode(message: unknown): EngineEvent | undefined {
    return this.#oom.decode(message);
  }

  async #fetchBacklog(since: number, signal: AbortSignal): Promise<EngineEvent[]> {
    const events: EngineEvent[] = [];
    // The live stream, read only after this, sees the same messages again: its
    // replayed `oom`s are consumed by the replayed exits it skips.
    for (const message of await readEventLog(this.#connection, since, signal)) {
      const event = this.#decode(message);
      if (event) events.push(event);
    }
    return events;
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
      if (!response.body) throw new EngineProtocolError(`${api} sent no event stream body`, { endpoint: api, retryable: true });
      // The live stream replays the backlog again: skip each of those once.
      const replayed = new Map<string, number>();
      for (const event of this.#backlog) {
        if (this.#signal.aborted) return;
        replayed.set(eventKey(event), (replayed.get(eventKey(event)) ?? 0) + 1);
        yield event;
      }
      this.#backlog = [];
      for await (const message of decodeJsonLines(response.body, { endpoint: api })) {
        // Chunks read before an abort may hold more events: deliver none after it.
        if (this.#signal.aborted) return;
        const event = this.#decode(message);
        if (!event) continue;
        const key = eventKey(event);
        const left = replayed.get(key) ?? 0;
        if (left > 0) {
          replayed.set(key, left - 1);
          continue;
        }
        yield event;
      }
      if (this.#signal.aborted) return;
      throw new EngineUnavailableError(`the event stream of ${api} ended`, {
        endpoint: api,
        retryable: true,
        hint: "the engine stopped or restarted, or a proxy closed the connection",
      });
    } catch (error) {
      if (this.#signal.aborted) return;
      if (error instanceof EngineError) throw error;
      throw new EngineUnavailableError(`the event stream of ${api} broke`, {
        endpoint: api,
        cause: error,
        retryable: true,
        hint: "the engine stopped or restarted, or a proxy cut the connection",
      });
    } finally {
      this.#stop.abort();
      this.#unlink();
    }
  }
}

/**
 * Decodes event messages, keeping track of OOM kills: an `oom` marks its
 * container, the container's next exit carries `oom: true`, and a start
 * clears the mark (a new instance).
 */
export class OomMarks {
  /** IDs of containers whose `oom` event came and whose exit has not yet. */
  readonly #oomKilled = new Set<string>();

  /** The lifecycle event of `message`, if it is one. */
  decode(message: unknown): EngineEvent | undefined {
    const oomKilled = oomFromMessage(message);
    if (oomKilled !== undefined) {
      this.#oomKilled.delete(oomKilled); // re-insert as the newest
      this.#oomKilled.add(oomKilled);
      if (this.#oomKilled.size > MAX_OOM_REMEMBERED) this.#oomKilled.delete(this.#oomKilled.values().next().value!);
      return undefined;
    }
    const event = eventFromMessage(message);
    if (event?.type === "started") this.#oomKilled.delete(event.id);
    if (event?.type !== "exited" || !this.#oomKilled.delete(event.id)) return event;
    return { ...event, exit: { ...event.exit, oom: true } };
  }
}

/**
 * How long a podman event log read waits, from its start and after its last
 * event, for podman to end the response before ending it itself. podman asked
 * with `stream=false` ends it on its own; this only bounds the read of a
 * podman that would not. Generous, because a loaded podman reads its whole
 * events file from the start before the first event of a recent `since` and
 * may take many seconds to (a CI run's 5-minute replay came back empty with 5 s).
 */
const PODMAN_LOG_GRACE_MS = 30_000;

/**
 * How far past now podman is asked for its log (`until`). Its file event
 * logger stops reading the file at `until` even with `stream=false`: asked
 * for `until` = now, a podman that reaches the end of the file later than
 * that (a few milliseconds late on an idle machine, more under load) drops
 * the newest events or all of them. Asked for later, it reads to the end of
 * the file and ends the response there; what it logged after now is dropped
 * here instead, as the live events begin then.
 */
const PODMAN_UNTIL_AHEAD_MS = 60_000;

/**
 * The container event messages of the engine's log from `since` until now.
 * Docker answers from its event log and ends the response. podman takes
 * `until` in whole seconds only (it ignores a fraction and sends nothing),
 * stops reading its file at `until` (so it is asked for
 * {@linkcode PODMAN_UNTIL_AHEAD_MS} later, and what it logged after now is
 * dropped), and without `stream=false` holds the response open past it —
 * with its file event logger (4.3) until an event *after* `until` is written,
 * which on a quiet engine is never. So podman is asked with `stream=false`,
 * and should it hold the response anyway, the read ends on its own once no
 * event up to now came for {@linkcode PODMAN_LOG_GRACE_MS}.
 */
export async function readEventLog(connection: DockerConnection, since: number, signal: AbortSignal): Promise<unknown[]> {
  if (Date.now() <= since) return [];
  const read = linkSignals(signal);
  const logRead = new Error("the event log was read up to its end");
  const messages: unknown[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    // Negotiated first: whether the engine is podman decides `until` and the deadline.
    const { transport, apiVersion } = await connection.negotiated(read.signal);
    const now = Date.now();
    const podman = connection.podman;
    const untilMs = podman ? Math.ceil((now + PODMAN_UNTIL_AHEAD_MS) / 1000) * 1000 : now;
    const until = podman ? `${untilMs / 1000}&stream=false` : sinceParameter(now);
    let lastMessageAt = 0;
    const reading = (async (): Promise<void> => {
      const api = connection.api;
      const response = await connection.stream(
        apiVersion,
        transport,
        `/events?since=${sinceParameter(since)}&until=${until}&filters=${FILTERS}`,
        read.signal,
      );
      if (!response.body) throw new EngineProtocolError(`${api} sent no event stream body`, { endpoint: api, retryable: true });
      for await (const message of decodeJsonLines(response.body, { endpoint: api })) {
        if (podman && (loggedAtMs(message) ?? 0) > now) continue;
        messages.push(message);
        lastMessageAt = Date.now();
      }
    })();
    // podman: the deadline does not wait for the aborted request to settle (Bun's fetch may not end one still
    // waiting for headers); the request is abandoned, its rejection is the abort asked for here. It waits while
    // the log still arrives: a podman slow to stream a long log sends its newest events last.
    const deadline = podman
      ? new Promise<void>((resolve) => {
        const endUnlessArriving = (): void => {
          const quietMs = Date.now() - lastMessageAt;
          if (quietMs < PODMAN_LOG_GRACE_MS) {
            timer = setTimeout(endUnlessArriving, PODMAN_LOG_GRACE_MS - quietMs);
            return;
          }
          read.abort(logRead);
          reading.catch(() => {});
          resolve();
        };
        timer = setTimeout(endUnlessArriving, PODMAN_LOG_GRACE_MS);
      })
      : undefined;
    await (deadline ? Promise.race([reading, deadline]) : reading);
  } catch (error) {
    if (read.signal.reason !== logRead || signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
    read.dispose();
  }
  return [...messages];
}

/** Identifies an event for telling a replayed duplicate: type, container and engine time. */
function eventKey(event: EngineEvent): string {
  return `${event.type} ${event.id} ${event.time}`;
}
