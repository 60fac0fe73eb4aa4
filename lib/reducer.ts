/**
 * The event-sourced heart of the watcher: a pure function folding list
 * snapshots and lifecycle events into a portfolio, emitting only real
 * changes. No I/O, no timers, no clocks: every input carries its time.
 *
 * The race handling follows the Go reference (subscribe first, then list;
 * a "dead list" for containers that exit while the list is in flight; pause
 * changes seen during the list replayed after it) and fixes its gap on
 * reconnects: the rebuilt portfolio is diffed against the published one, so
 * subscribers get the exits they missed and no duplicate starts.
 *
 * Engine identity and exit details are passed in with the inputs, not
 * looked up: the watcher learns the engine's ID and inspects dead containers
 * before it feeds the `listed` input, so the reducer stays a pure function.
 * Identity travels in the state (set by each `listed` input) rather than
 * being stamped on by the watcher afterwards, so that the events of a
 * resync and the identity of the engine they describe change in one step.
 *
 * @module
 */

import { PROJECT_UNKNOWN } from "./engine.ts";
import type { EngineExit } from "./engine.ts";
import type { EngineIdentity, ExitDetails, LifecycleEvent } from "./events.ts";
import type { Container } from "./model/container.ts";
import { PersistentMap } from "./model/pmap.ts";
import { Portfolio } from "./model/portfolio.ts";

/** An input of {@linkcode reduce}. Times are engine times in ms since the epoch. */
export type ReducerInput =
  /** A (re)sync begins: the event subscription is being opened and a list will follow. */
  | { readonly kind: "sync-started"; readonly time: number }
  /**
   * The list snapshot of alive containers arrived, with the identity of the
   * engine that answered this sync and, for published containers that the
   * list drops without an exit seen during the sync, what an inspection of
   * the dead containers found out about their exits (by container ID).
   */
  | {
    readonly kind: "listed";
    readonly containers: readonly Container[];
    readonly time: number;
    readonly engine: EngineIdentity;
    readonly exits?: ReadonlyMap<string, EngineExit>;
  }
  /** A container started; `container` holds its inspected details. */
  | { readonly kind: "started"; readonly container: Container; readonly time: number }
  /** A container's initial process exited. */
  | {
    readonly kind: "exited";
    readonly id: string;
    readonly project: string | typeof PROJECT_UNKNOWN;
    readonly time: number;
    /** What the engine said about the exit (`time` is the input's). */
    readonly exit?: EngineExit;
    /** The exited process's PID where the engine says it: an exit of another instance is ignored. */
    readonly pid?: number;
  }
  /** A container was frozen or thawed. */
  | { readonly kind: "paused" | "unpaused"; readonly id: string; readonly time: number }
  /** The subscription or the list failed; a resync will follow. */
  | { readonly kind: "stream-lost"; readonly time: number };

/**
 * Where the watcher stands with its engine.
 *
 * @example A health check
 * ```ts
 * import { DockerClient, Watcher, type WatchPhase } from "@whalewatcher/whalewatcher";
 *
 * await using watcher = new Watcher(new DockerClient());
 * void watcher.watch();
 * await watcher.ready;
 * const phase: WatchPhase = watcher.phase;
 * console.log(phase === "synced" ? "healthy" : `degraded (${phase})`);
 * ```
 */
export type WatchPhase = "idle" | "syncing" | "synced" | "lost";

/** What a resync collects until its list arrives. */
interface SyncInProgress {
  /** The portfolio being rebuilt from the events seen during the sync. */
  readonly building: Portfolio;
  /** IDs of containers that exited during the sync (instance unknown): the list must not revive them. */
  readonly dead: PersistentMap<true>;
  /** `id/pid` of instances that exited during the sync: the list must not revive these, but may show a newer one. */
  readonly deadInstances: PersistentMap<true>;
  /** Pause states seen during the sync, replayed over the list. */
  readonly pauses: PersistentMap<boolean>;
  /** When each container's transitions seen during the sync happened: the diff keeps these engine times. */
  readonly times: EventTimes;
}

/**
 * Engine times of the transitions seen during a sync, by container ID. With
 * a `since=` replay the missed events arrive during the resync, and their
 * emitted events must carry when they happened, not when the list came.
 */
export interface EventTimes {
  /** When the container's (last) instance exited, with what the engine said about it (`time` always set). */
  readonly exits: PersistentMap<EngineExit>;
  /** When the container last started, paused or unpaused. */
  readonly changes: PersistentMap<number>;
}

const NO_TIMES: EventTimes = Object.freeze({ exits: PersistentMap.empty<EngineExit>(), changes: PersistentMap.empty<number>() });

/** The identity before any sync: nothing is published under it. */
const NO_ENGINE: EngineIdentity = Object.freeze({ type: "", api: "", id: "" });

const NO_EXITS: ReadonlyMap<string, EngineExit> = new Map();

/** The reducer's state. Treat it as opaque and immutable. */
export interface WatchState {
  /** Where the watcher stands. */
  readonly phase: WatchPhase;
  /**
   * The published portfolio: what subscribers have been told. It stays
   * readable during a resync (make-before-break) and is replaced only when
   * the resync completes.
   */
  readonly portfolio: Portfolio;
  /** The resync in progress, while `phase` is `"syncing"`. */
  readonly sync?: SyncInProgress;
  /** The engine the published portfolio comes from, as the last completed sync learned it; every event carries it. */
  readonly engine: EngineIdentity;
}

/** The state before the first sync: idle, with an empty portfolio and no engine identity yet. */
export const initialState: WatchState = Object.freeze({ phase: "idle", portfolio: new Portfolio(), engine: NO_ENGINE });

/** The result of one {@linkcode reduce} step. */
export interface Reduction {
  /** The new state (the old one is left untouched). */
  readonly state: WatchState;
  /** The lifecycle events this step emits, in order. */
  readonly events: LifecycleEvent[];
}

const NO_EVENTS: LifecycleEvent[] = [];

/**
 * Folds one input into the state. Pure: the input state is never modified.
 *
 * Events that arrive while no sync is in progress (phase `idle` or `lost`)
 * are ignored: the next sync's list reflects them.
 */
export function reduce(state: WatchState, input: ReducerInput): Reduction {
  switch (input.kind) {
    case "sync-started":
      return unchanged({
        phase: "syncing",
        portfolio: state.portfolio,
        engine: state.engine,
        sync: { building: new Portfolio(), dead: PersistentMap.empty(), deadInstances: PersistentMap.empty(), pauses: PersistentMap.empty(), times: NO_TIMES },
      });
    case "stream-lost":
      return unchanged({ phase: state.phase === "idle" ? "idle" : "lost", portfolio: state.portfolio, engine: state.engine });
    case "listed":
      return state.sync ? completeSync(state.portfolio, state.sync, input) : unchanged(state);
  }
  if (state.sync) return unchanged({ ...state, sync: duringSync(state.sync, input) });
  if (state.phase !== "synced") return unchanged(state);
  const portfolio = state.portfolio.clone();
  const time = new Date(input.time);
  const engine = state.engine;
  const events: LifecycleEvent[] = [];
  switch (input.kind) {
    case "started": {
      const known = portfolio.containerById(input.container.id);
      if (known && known.pid === input.container.pid) break;
      // Restarted under the same ID: the exit was missed, and nothing is known about it.
      if (known) events.push({ type: "exited", container: known, time, engine, exit: {} });
      portfolio.add(input.container);
      events.push({ type: "started", container: input.container, time, engine });
      break;
    }
    case "exited": {
      const known = portfolio.containerById(input.id);
      if (known && (input.pid === undefined || input.pid === known.pid)) {
        const exit = exitDetails({ ...input.exit, time: input.time });
        events.push({ type: "exited", container: portfolio.remove(input.id)!, time, engine, exit });
      }
      break;
    }
    case "paused":
    case "unpaused": {
      const known = portfolio.containerById(input.id);
      const paused = input.kind === "paused";
      if (known && known.paused !== paused) {
        events.push({ type: input.kind, container: portfolio.setPaused(input.id, paused)!, time, engine });
      }
      break;
    }
  }
  return events.length === 0 ? unchanged(state) : { state: { phase: "synced", portfolio, engine }, events };
}

function unchanged(state: WatchState): Reduction {
  return { state, events: NO_EVENTS };
}

type ContainerInput = Extract<ReducerInput, { kind: "started" | "exited" | "paused" | "unpaused" }>;

/** Applies an event to the portfolio being rebuilt; nothing is emitted before the list arrives. */
function duringSync(sync: SyncInProgress, input: ContainerInput): SyncInProgress {
  const building = sync.building.clone();
  const { exits, changes } = sync.times;
  switch (input.kind) {
    case "started":
      building.add(input.container);
      // A new instance: it is alive again, and earlier pause states were the old instance's.
      return {
        building,
        dead: sync.dead.delete(input.container.id),
        deadInstances: sync.deadInstances,
        pauses: sync.pauses.delete(input.container.id),
        times: { exits, changes: changes.set(input.container.id, input.time) },
      };
    case "exited": {
      const known = building.containerById(input.id);
      if (input.pid !== undefined && known !== undefined && known.pid !== input.pid) {
        // A late exit of an earlier instance: the newer one seen during the sync lives on.
        return { ...sync, deadInstances: sync.deadInstances.set(instanceKey(input.id, input.pid), true) };
      }
      if (known) building.remove(input.id);
      return {
        building,
        ...(input.pid === undefined
          ? { dead: sync.dead.set(input.id, true), deadInstances: sync.deadInstances }
          : { dead: sync.dead, deadInstances: sync.deadInstances.set(instanceKey(input.id, input.pid), true) }),
        pauses: sync.pauses.delete(input.id),
        times: { exits: exits.set(input.id, { ...input.exit, time: input.time }), changes: changes.delete(input.id) },
      };
    }
    case "paused":
    case "unpaused": {
      const paused = input.kind === "paused";
      if (building.containerById(input.id)) building.setPaused(input.id, paused);
      return {
        building,
        dead: sync.dead,
        deadInstances: sync.deadInstances,
        pauses: sync.pauses.set(input.id, paused),
        times: { exits, changes: changes.set(input.id, input.time) },
      };
    }
  }
}

/**
 * Merges the list into the rebuilt portfolio, then publishes it and emits
 * the difference to the previously published one.
 */
function completeSync(
  published: Portfolio,
  sync: SyncInProgress,
  input: Extract<ReducerInput, { kind: "listed" }>,
): Reduction {
  const next = sync.building.clone();
  for (const container of input.containers) {
    // Events seen during the sync are at least as new as the list: they win.
    if (exitedDuringSync(sync, container) || next.containerById(container.id)) continue;
    next.add(container);
  }
  for (const [id, paused] of sync.pauses.entries()) {
    if (next.containerById(id)) next.setPaused(id, paused);
  }
  const engine = input.engine;
  const events = diff(published, next, new Date(input.time), engine, sync.times, input.exits);
  return { state: { phase: "synced", portfolio: next, engine }, events };
}

/**
 * The IDs of the published containers that a `listed` input with these
 * containers would drop without an exit seen during the sync: those whose
 * exit details only an inspection of the dead container can tell. Empty
 * when no sync is in progress.
 */
export function unexplainedExits(state: WatchState, listed: readonly Container[]): string[] {
  const sync = state.sync;
  if (!sync) return [];
  const alive = new Set(listed.map((container) => container.id));
  const ids: string[] = [];
  for (const container of state.portfolio.allContainers()) {
    const id = container.id;
    if (alive.has(id) || exitedDuringSync(sync, container) || sync.building.containerById(id)) continue;
    ids.push(id);
  }
  return ids.sort();
}

/** Whether an exit seen during the sync ended this instance (or, with no PID told, any instance of its ID). */
function exitedDuringSync(sync: SyncInProgress, container: Container): boolean {
  return sync.dead.has(container.id) || sync.deadInstances.has(instanceKey(container.id, container.pid));
}

function instanceKey(id: string, pid: number): string {
  return `${id}/${pid}`;
}

/** The public form of what an engine said about an exit: unknown fields absent, OOM only when it happened. */
function exitDetails(exit: EngineExit | undefined): ExitDetails {
  if (!exit) return {};
  return {
    ...(exit.code !== undefined ? { code: exit.code } : {}),
    ...(exit.oom === true ? { oom: true } : {}),
    ...(exit.time !== undefined ? { time: new Date(exit.time) } : {}),
  };
}

/**
 * The events that turn `before` into `after`, all from `engine`: exits
 * first, then starts and pause flips, each group ordered by container ID so
 * that resyncs are reproducible. A transition whose engine time is in
 * `times` carries that time; the others (only the list told of them) carry
 * `time`. An exit carries the details of the exit event seen during the
 * sync (in `times.exits`), else, for a container that is gone, those an
 * inspection found (`inspected`, whose exit time then becomes the event's
 * time), else none; a container that restarted under its ID without an
 * exit event leaves its old instance's exit unknown.
 */
export function diff(
  before: Portfolio,
  after: Portfolio,
  time: Date,
  engine: EngineIdentity,
  times: EventTimes = NO_TIMES,
  inspected: ReadonlyMap<string, EngineExit> = NO_EXITS,
): LifecycleEvent[] {
  const at = (ms: number | undefined) => (ms === undefined ? time : new Date(ms));
  const exits: LifecycleEvent[] = [];
  const changes: LifecycleEvent[] = [];
  for (const old of before.allContainers()) {
    const now = after.containerById(old.id);
    if (now && now.pid === old.pid) continue;
    const exit = times.exits.get(old.id) ?? (now ? undefined : inspected.get(old.id));
    exits.push({ type: "exited", container: old, time: at(exit?.time), engine, exit: exitDetails(exit) });
  }
  for (const now of after.allContainers()) {
    const old = before.containerById(now.id);
    const changed = at(times.changes.get(now.id));
    if (!old || old.pid !== now.pid) {
      changes.push({ type: "started", container: now, time: changed, engine });
    } else if (old.paused !== now.paused) {
      changes.push({ type: now.paused ? "paused" : "unpaused", container: now, time: changed, engine });
    }
  }
  const byId = (x: LifecycleEvent, y: LifecycleEvent) => (x.container.id < y.container.id ? -1 : 1);
  return [...exits.sort(byId), ...changes.sort(byId)];
}
