/**
 * An engine that runs inside a container of another engine, seen from the
 * host: its client wrapped so that its containers carry host PIDs (the
 * engine reports PIDs of its own PID namespace) and labels naming the outer
 * container and engine. Engine-neutral.
 *
 * @module
 */

import type { EngineClient, EngineEvent, EventStream, LifecycleEventsOptions } from "./engine.ts";
import { type Container, newContainer } from "./model/container.ts";
import { ENGINE_KEY_LABEL, OUTER_CONTAINER_ID_LABEL, OUTER_CONTAINER_NAME_LABEL, OUTER_ENGINE_LABEL } from "./model/labels.ts";
import { hostPids } from "./proc/pid-translation.ts";
import { ProcFs } from "./proc/procfs.ts";

/** Where an inner engine runs: its host PID, its own key, and the outer engine and container. */
export interface NestedEnginePlace {
  /** The inner engine's host PID (its PID namespace is the one its PIDs are in). */
  readonly pid: number;
  /** The inner engine's discovery key, for {@linkcode ENGINE_KEY_LABEL}. */
  readonly key: string;
  /** The outer engine's discovery key. */
  readonly outerEngine: string;
  /** The outer container's ID. */
  readonly containerId: string;
  /** The outer container's name. */
  readonly containerName: string;
  /** The /proc tree of the host; default `/proc`. */
  readonly procRoot?: string | undefined;
}

/**
 * Wraps the client of an engine inside a container: `list` and `inspect`
 * translate each container's PID to the host's (a container whose initial
 * process is no longer found on the host has exited and is left out) and
 * add the labels {@linkcode OUTER_CONTAINER_NAME_LABEL},
 * {@linkcode OUTER_CONTAINER_ID_LABEL}, {@linkcode OUTER_ENGINE_LABEL} and
 * {@linkcode ENGINE_KEY_LABEL}; exit events carry the host PID of the
 * instance they end (or none when it was never seen). Everything else is the
 * inner client's.
 *
 * @example
 * ```ts
 * import { NestedEngineClient } from "./nested-engine.ts";
 * import type { EngineClient } from "./engine.ts";
 * declare const inner: EngineClient; // e.g. a containerd client for /proc/4711/root/run/containerd/containerd.sock
 * const client = new NestedEngineClient(inner, {
 *   pid: 4711, key: "containerd/socket:0:42", outerEngine: "docker/id:ABCD", containerId: "0123…", containerName: "kind",
 * });
 * for (const container of await client.list()) console.log(container.pid, container.labels);
 * ```
 */
export class NestedEngineClient implements EngineClient {
  readonly #inner: EngineClient;
  readonly #place: NestedEnginePlace;
  readonly #proc: ProcFs;
  readonly #labels: Readonly<Record<string, string>>;
  /** Host PID of each inner PID seen in a container, so that exits (whose process is gone) can be told. */
  readonly #seen = new Map<number, number>();

  /** The inner client's exit records, where it keeps them. */
  readonly exitDetails?: EngineClient["exitDetails"];

  /** Wraps `inner`, an engine running where `place` says. */
  constructor(inner: EngineClient, place: NestedEnginePlace) {
    this.#inner = inner;
    if (inner.exitDetails !== undefined) this.exitDetails = (id, signal) => inner.exitDetails!(id, signal);
    this.#place = place;
    this.#proc = new ProcFs({ root: place.procRoot });
    this.#labels = {
      [OUTER_CONTAINER_NAME_LABEL]: place.containerName,
      [OUTER_CONTAINER_ID_LABEL]: place.containerId,
      [OUTER_ENGINE_LABEL]: place.outerEngine,
      [ENGINE_KEY_LABEL]: place.key,
    };
  }

  /** The inner engine's type. */
  get type(): string {
    return this.#inner.type;
  }

  /** The inner engine's endpoint. */
  get api(): string {
    return this.#inner.api;
  }

  /** The inner engine's host PID. */
  get pid(): number {
    return this.#place.pid;
  }

  /** The inner engine's ID. */
  id(signal?: AbortSignal): Promise<string> {
    return this.#inner.id(signal);
  }

  /** The inner engine's version. */
  version(signal?: AbortSignal): Promise<string> {
    return this.#inner.version(signal);
  }

  /** The inner engine's alive containers, with host PIDs and the nesting labels. */
  async list(signal?: AbortSignal): Promise<Container[]> {
    return await this.#toHost(await this.#inner.list(signal));
  }

  /** One container of the inner engine, with its host PID and the nesting labels. */
  async inspect(nameOrId: string, signal?: AbortSignal): Promise<Container | undefined> {
    const container = await this.#inner.inspect(nameOrId, signal);
    return container === undefined ? undefined : (await this.#toHost([container]))[0];
  }

  /** The inner engine's lifecycle events; exits carry host PIDs. */
  lifecycleEvents(options: LifecycleEventsOptions): EventStream {
    const stream = this.#inner.lifecycleEvents(options);
    const seen = this.#seen;
    return {
      subscribed: stream.subscribed,
      async *[Symbol.asyncIterator](): AsyncIterator<EngineEvent> {
        for await (const event of stream) {
          if (event.type !== "exited" || event.pid === undefined) {
            yield event;
            continue;
          }
          const host = seen.get(event.pid);
          seen.delete(event.pid);
          const { pid: _inner, ...rest } = event;
          yield host === undefined ? rest : { ...rest, pid: host };
        }
      },
    };
  }

  /** Closes the inner client. */
  close(): Promise<void> {
    return this.#inner.close();
  }

  async #toHost(containers: readonly Container[]): Promise<Container[]> {
    if (containers.length === 0) return [];
    const map = await hostPids(this.#proc, this.#place.pid, containers.map((container) => container.pid));
    const result: Container[] = [];
    for (const container of containers) {
      const pid = map.get(container.pid);
      if (pid === undefined) continue;
      this.#seen.set(container.pid, pid);
      result.push(newContainer({ ...container, pid, labels: { ...container.labels, ...this.#labels } }));
    }
    return result;
  }
}
