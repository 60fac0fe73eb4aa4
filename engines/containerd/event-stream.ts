/**
 * containerd's task event subscription (`Events/Subscribe`) as an
 * {@linkcode EventStream}, beside the client as Docker's `DockerEventStream`
 * is beside the Docker client.
 *
 * @module
 */

import type { Client } from "@connectrpc/connect";
import { linkSignals } from "../../lib/async/signals.ts";
import type { LinkedSignal } from "../../lib/async/signals.ts";
import { sleep } from "../../lib/async/wait.ts";
import type { EngineEvent, EventStream } from "../../lib/engine.ts";
import { EngineUnavailableError } from "../../lib/errors.ts";
import type { ContainerdLogger } from "./client.ts";
import { decodeEnvelope, EVENT_FILTERS } from "./events.ts";
import { Events } from "./gen/containerd/services/events/v1/events_pb.ts";
import type { Envelope } from "./gen/containerd/services/events/v1/events_pb.ts";
import type { Version } from "./gen/containerd/services/version/v1/version_pb.ts";

/** Full path of the Subscribe method, as it appears on the wire. */
const SUBSCRIBE_PATH = `/${Events.typeName}/${Events.method.subscribe.name}`;

/**
 * How long an exit by SIGKILL (137, as the OOM killer kills) waits for a
 * `/tasks/oom` of its container that the shim published after the exit:
 * the shim reports OOM kills and exits from different goroutines, so under
 * load the OOM event can come second.
 */
const OOM_GRACE_MS = 250;

/** How many containers with an OOM kill but no exit yet a stream remembers; beyond, the oldest are forgotten. */
const MAX_OOM_REMEMBERED = 4096;

/** What a {@linkcode ContainerdEventStream} needs from its client. */
export interface ContainerdEventStreamContext {
  /** The socket path, for messages. */
  readonly api: string;
  /** The Events service client. */
  readonly events: Client<typeof Events>;
  /** The Version service client: a unary call after Subscribe proves the subscription arrived. */
  readonly version: Client<typeof Version>;
  /** Resolves once the request of a call to `path` has been written to the connection. */
  readonly requestSent: (path: string) => Promise<void>;
  /** Namespaces whose events are ignored. */
  readonly ignored: ReadonlySet<string>;
  /** Receives diagnostics about skipped events. */
  readonly logger: ContainerdLogger;
  /** Whether the client was closed (then the stream ends quietly). */
  readonly closed: () => boolean;
  /** Turns a call failure into the client's engine error. */
  readonly error: (error: unknown) => Error;
  /** Called once when the stream ends, however it ends. */
  readonly released: (stream: ContainerdEventStream) => void;
}

/**
 * One subscription to containerd's task events of all namespaces but the
 * ignored ones. containerd keeps no event log, so there is no replay.
 *
 * An OOM kill comes as `/tasks/oom`, usually before the task's exit: the
 * stream remembers it per container and marks that container's next exit
 * `oom: true`; a start clears the mark. A SIGKILL exit without the mark
 * waits up to {@linkcode OOM_GRACE_MS} for the next envelope, in case it is
 * that container's late OOM event.
 */
export class ContainerdEventStream implements EventStream {
  /** Settles once containerd has surely received the Subscribe request; rejects when subscribing failed. */
  readonly subscribed: Promise<void>;
  readonly #context: ContainerdEventStreamContext;
  readonly #signal: AbortSignal;
  /** The call's signal: the caller's, or {@linkcode ContainerdEventStream.abort}. */
  readonly #call: LinkedSignal;
  readonly #events: AsyncGenerator<EngineEvent, void, undefined>;
  /** Whole-ref IDs of containers whose OOM event came and whose exit has not yet. */
  readonly #oomKilled = new Set<string>();
  #released = false;

  /** Starts the Subscribe call at once, so that `subscribed` can settle before the first iteration. */
  constructor(context: ContainerdEventStreamContext, signal: AbortSignal) {
    this.#context = context;
    this.#signal = signal;
    const call = linkSignals(signal);
    this.#call = call;
    call.signal.addEventListener("abort", () => this.#release(), { once: true });
    const requestSent = context.requestSent(SUBSCRIBE_PATH);
    const envelopes = context.events.subscribe(
      { filters: [...EVENT_FILTERS] },
      { signal: call.signal, timeoutMs: 0 },
    )[Symbol.asyncIterator]();
    const first = envelopes.next();
    let failure: { error: unknown } | undefined;
    first.catch((error: unknown) => {
      failure = { error }; // also observed by the iteration; unobserved it must not crash
    });
    this.subscribed = (async (): Promise<void> => {
      try {
        await Promise.race([requestSent, first]);
        // containerd (grpc-go) sends no response headers before the first
        // event, so the subscription cannot be observed directly. A unary call
        // sent after the Subscribe request on the same HTTP/2 connection is
        // answered after containerd received the Subscribe request and started
        // its handler. Residual race: the handler runs in its own goroutine and
        // registers with containerd's event exchange a moment after it starts,
        // so an event published within that moment may still be missed.
        await context.version.version({}, { signal: call.signal });
        // A Subscribe that failed at once (say, a rejected filter) has usually
        // been answered by now; let its answer surface before confirming.
        await sleep(0);
        if (failure !== undefined) throw failure.error;
      } catch (error) {
        throw this.#endedOnPurpose() ? error : context.error(error);
      }
    })();
    this.subscribed.catch(() => {}); // callers that never await it must not crash
    this.#events = this.#iterate(first, envelopes);
    if (call.signal.aborted) this.#release();
  }

  /** Ends the subscription (the client does this when it closes); the iteration ends quietly. */
  abort(): void {
    this.#call.abort();
  }

  /** Yields the lifecycle events; see {@linkcode EventStream} for how it ends. */
  [Symbol.asyncIterator](): AsyncGenerator<EngineEvent, void, undefined> {
    return this.#events;
  }

  /** Quiet endings: the caller aborted, or the client was closed. */
  #endedOnPurpose(): boolean {
    return this.#signal.aborted || this.#context.closed();
  }

  #release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#call.abort();
    this.#call.dispose();
    this.#context.released(this);
  }

  async *#iterate(
    first: Promise<IteratorResult<Envelope>>,
    envelopes: AsyncIterator<Envelope>,
  ): AsyncGenerator<EngineEvent, void, undefined> {
    const { api, ignored, logger } = this.#context;
    try {
      let result = await first;
      while (!result.done) {
        const outcome = decodeEnvelope(result.value, ignored);
        /** The envelope after this one, when it was asked for already (an exit looking for its late OOM event). */
        let following: Promise<IteratorResult<Envelope>> | undefined;
        if (outcome.kind === "event") {
          let event = this.#withOom(outcome.event);
          if (event.type === "exited" && event.exit?.code === 137 && event.exit.oom === undefined) {
            following = envelopes.next();
            const late = await this.#soon(following);
            if (late !== undefined && !late.done) {
              const next = decodeEnvelope(late.value, ignored);
              if (next.kind === "oom" && next.id === event.id) {
                event = { ...event, exit: { ...event.exit, oom: true } };
                following = undefined;
              }
            }
          }
          yield event;
        } else if (outcome.kind === "oom") this.#remember(outcome.id);
        else if (outcome.kind === "skipped") logger.warn(outcome.reason);
        result = await (following ?? envelopes.next());
        // An envelope fetched ahead (above) is not processed once the caller has stopped.
        if (this.#endedOnPurpose()) return;
      }
      if (this.#endedOnPurpose()) return;
      throw new EngineUnavailableError(`containerd at ${api} ended the event stream`, { endpoint: api, retryable: true });
    } catch (error) {
      if (this.#endedOnPurpose()) return;
      throw this.#context.error(error);
    } finally {
      this.#release();
    }
  }

  /** What `next` resolves within {@linkcode OOM_GRACE_MS}, else `undefined` (it goes on; the caller awaits it later). */
  async #soon(next: Promise<IteratorResult<Envelope>>): Promise<IteratorResult<Envelope> | undefined> {
    const grace = linkSignals(this.#call.signal);
    try {
      // The sleep is cut short once `next` wins (or the call ends); either way it only stands for "not soon".
      return await Promise.race([next, sleep(OOM_GRACE_MS, grace.signal).then(() => undefined, () => undefined)]);
    } finally {
      grace.abort();
      grace.dispose();
    }
  }

  #remember(id: string): void {
    this.#oomKilled.delete(id); // re-insert as the newest
    this.#oomKilled.add(id);
    if (this.#oomKilled.size > MAX_OOM_REMEMBERED) this.#oomKilled.delete(this.#oomKilled.values().next().value!);
  }

  /** Marks an exit after an OOM event of its container; a start clears the mark. */
  #withOom(event: EngineEvent): EngineEvent {
    if (event.type === "started") this.#oomKilled.delete(event.id);
    if (event.type !== "exited" || !this.#oomKilled.delete(event.id)) return event;
    return { ...event, exit: { ...event.exit, oom: true } };
  }
}
