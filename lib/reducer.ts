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
 * @module
 */

import { PROJECT_UNKNOWN } from "./engine.ts";
import type { LifecycleEvent } from "./events.ts";
import type { Container } from "./model/container.ts";
import { PersistentMap } from "./model/pmap.ts";
import { Portfolio } from "./model/portfolio.ts";

/** An input of {@linkcode reduce}. Times are engine times in ms since the epoch. */
export type ReducerInput =
  /** A (re)sync begins: the event subscription is being opened and a list will follow. */
  | { readonly kind: "sync-started"; readonly time: number }
  /** The list snapshot of alive containers arrived. */
  | { readonly kind: "listed"; readonly containers: readonly Container[]; readonly time: number }
  /** A container started; `container` holds its inspected details. */
  | { readonly kind: "started"; readonly container: Container; readonly time: number }
  /** A container's initial process exited. */
  | {
    readonly kind: "exited";
    readonly id: string;
    readonly project: string | typeof PROJECT_UNKNOWN;
    readonly time: number;
  }
  /** A container was frozen or thawed. */
  | { readonly kind: "paused" | "unpaused"; readonly id: string; readonly time: number }
  /** The subscription or the list failed; a resync will follow. */
  | { readonly kind: "stream-lost"; readonly time: number };

/** Where the watcher stands with its engine. */
export type WatchPhase = "idle" | "syncing" | "synced" | "lost";

/** What a resync collects until its list arrives. */
interface SyncInProgress {
  /** The portfolio being rebuilt from the events seen during the sync. */
  readonly building: Portfolio;
  /** IDs of containers that exited during the sync: the list must not revive them. */
  readonly dead: PersistentMap<true>;
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
  /** When the container's (last) instance exited. */
  readonly exits: PersistentMap<number>;
  /** When the container last started, paused or unpaused. */
  readonly changes: PersistentMap<number>;
}

const NO_TIMES: EventTimes = Object.freeze({ exits: PersistentMap.empty<number>(), changes: PersistentMap.empty<number>() });

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
}

/** The state before the first sync: idle, with an empty portfolio. */
export const initialState: WatchState = Object.freeze({ phase: "idle", portfolio: new Portfolio() });

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
        sync: { building: new Portfolio(), dead: PersistentMap.empty(), pauses: PersistentMap.empty(), times: NO_TIMES },
      });
    case "stream-lost":
      return unchanged({ phase: state.phase === "idle" ? "idle" : "lost", portfolio: state.portfolio });
    case "listed":
      return state.sync ? completeSync(state.portfolio, state.sync, input.containers, input.time) : unchanged(state);
  }
  if (state.sync) return unchanged({ ...state, sync: duringSync(state.sync, input) });
  if (state.phase !== "synced") return unchanged(state);
  const portfolio = state.portfolio.clone();
  const time = new Date(input.time);
  const events: LifecycleEvent[] = [];
  switch (input.kind) {
    case "started": {
      const known = portfolio.containerById(input.container.id);
      if (known && known.pid === input.container.pid) break;
      // Restarted under the same ID: the exit was missed.
      if (known) events.push({ type: "exited", container: known, time });
      portfolio.add(input.container);
      events.push({ type: "started", container: input.container, time });
      break;
    }
    case "exited": {
      if (portfolio.containerById(input.id)) events.push({ type: "exited", container: portfolio.remove(input.id)!, time });
      break;
    }
    case "paused":
    case "unpaused": {
      const known = portfolio.containerById(input.id);
      const paused = input.kind === "paused";
      if (known && known.paused !== paused) {
        events.push({ type: input.kind, container: portfolio.setPaused(input.id, paused)!, time });
      }
      break;
    }
  }
  return events.length === 0 ? unchanged(state) : { state: { phase: "synced", portfolio }, events };
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
        pauses: sync.pauses.delete(input.container.id),
        times: { exits, changes: changes.set(input.container.id, input.time) },
      };
    case "exited":
      if (building.containerById(input.id)) building.remove(input.id);
      return {
        building,
        dead: sync.dead.set(input.id, true),
        pauses: sync.pauses.delete(input.id),
        times: { exits: exits.set(input.id, input.time), changes: changes.delete(input.id) },
      };
    case "paused":
    case "unpaused": {
      const paused = input.kind === "paused";
      if (building.containerById(input.id)) building.setPaused(input.id, paused);
      return {
        building,
        dead: sync.dead,
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
  listed: readonly Container[],
  time: number,
): Reduction {
  const next = sync.building.clone();
  for (const container of listed) {
    // Events seen during the sync are at least as new as the list: they win.
    if (sync.dead.has(container.id) || next.containerById(container.id)) continue;
    next.add(container);
  }
  for (const [id, paused] of sync.pauses.entries()) {
    if (next.containerById(id)) next.setPaused(id, paused);
  }
  return { state: { phase: "synced", portfolio: next }, events: diff(published, next, new Date(time), sync.times) };
}

/**
 * The events that turn `before` into `after`: exits first, then starts and
 * pause flips, each group ordered by container ID so that resyncs are
 * reproducible. A transition whose engine time is in `times` carries that
 * time; the others (only the list told of them) carry `time`.
 */
export function diff(before: Portfolio, after: Portfolio, time: Date, times: EventTimes = NO_TIMES): LifecycleEvent[] {
  const at = (ms: number | undefined) => (ms === undefined ? time : new Date(ms));
  const exits: LifecycleEvent[] = [];
  const changes: LifecycleEvent[] = [];
  for (const old of before.allContainers()) {
    const now = after.containerById(old.id);
    if (!now || now.pid !== old.pid) exits.push({ type: "exited", container: old, time: at(times.exits.get(old.id)) });
  }
  for (const now of after.allContainers()) {
    const old = before.containerById(now.id);
    const changed = at(times.changes.get(now.id));
    if (!old || old.pid !== now.pid) {
      changes.push({ type: "started", container: now, time: changed });
    } else if (old.paused !== now.paused) {
      changes.push({ type: now.paused ? "paused" : "unpaused", container: now, time: changed });
    }
  }
  const byId = (x: LifecycleEvent, y: LifecycleEvent) => (x.container.id < y.container.id ? -1 : 1);
  return [...exits.sort(byId), ...changes.sort(byId)];
}
