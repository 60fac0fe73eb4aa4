/**
 * `--filter KEY=VALUE`, as `docker ps --filter` takes it: which containers
 * (and with `--watch`, which events) the CLI shows. Keys: `label=K` or
 * `label=K=V`, `name=` (part of the name), `project=`, `engine=` (registry
 * name such as `docker`, or engine type such as `podman.io`/`podman`) and
 * `state=running|paused`. As with docker, values of the same key are
 * alternatives (any may match) and different keys must all match; every
 * `label` filter must match. Pure.
 *
 * @module
 */

import type { Container } from "../lib/model/container.ts";
import { UsageError } from "./usage-error.ts";

/** One parsed `--filter`. */
export interface Filter {
  /** What is compared. */
  readonly key: "label" | "name" | "project" | "engine" | "state";
  /** The value after `KEY=`; for `label` the label key, or `K=V`. */
  readonly value: string;
}

const KEYS: ReadonlySet<string> = new Set(["label", "name", "project", "engine", "state"]);
const STATES: ReadonlySet<string> = new Set(["running", "paused"]);

/**
 * Parses one `--filter` value.
 *
 * @throws {UsageError} for a missing `=`, an unknown key or an unknown state.
 */
export function parseFilter(text: string): Filter {
  const eq = text.indexOf("=");
  const key = eq > 0 ? text.slice(0, eq) : text;
  if (!KEYS.has(key)) {
    throw new UsageError(`--filter takes KEY=VALUE with KEY one of ${[...KEYS].join(", ")}, got ${JSON.stringify(text)}`);
  }
  const value = eq > 0 ? text.slice(eq + 1) : "";
  if (value === "") throw new UsageError(`--filter ${key}= needs a value`);
  if (key === "state" && !STATES.has(value)) {
    throw new UsageError(`--filter state= must be running or paused (only alive containers are shown), got ${JSON.stringify(value)}`);
  }
  return { key: key as Filter["key"], value };
}

/** The engine a container is shown under: its registry name and engine type. */
export interface FilterEngine {
  /** Registry name, e.g. `docker`. */
  readonly kind: string;
  /** Engine type, e.g. `podman.io`. */
  readonly type: string;
}

function matches(filter: Filter, c: Container | undefined, engine: FilterEngine): boolean {
  if (filter.key === "engine") return [engine.kind, engine.type, engine.type.split(".")[0]].includes(filter.value);
  if (c === undefined) return false;
  switch (filter.key) {
    case "label": {
      const eq = filter.value.indexOf("=");
      if (eq < 0) return Object.hasOwn(c.labels, filter.value);
      return c.labels[filter.value.slice(0, eq)] === filter.value.slice(eq + 1);
    }
    case "name":
      return c.name.includes(filter.value);
    case "project":
      return c.project === filter.value;
    case "state":
      return (filter.value === "paused") === c.paused;
  }
}

/** Whether `engine` is one the `engine=` filters select (no such filters: every engine). */
export function engineSelected(filters: readonly Filter[], engine: FilterEngine): boolean {
  const wanted = filters.filter((f) => f.key === "engine");
  return wanted.length === 0 || wanted.some((f) => matches(f, undefined, engine));
}

/** Whether `container` of `engine` passes every filter (no filters: always). */
export function passes(filters: readonly Filter[], container: Container, engine: FilterEngine): boolean {
  const byKey = new Map<string, Filter[]>();
  for (const f of filters) {
    if (f.key === "label") {
      if (!matches(f, container, engine)) return false;
    } else byKey.set(f.key, [...(byKey.get(f.key) ?? []), f]);
  }
  return [...byKey.values()].every((alternatives) => alternatives.some((f) => matches(f, container, engine)));
}
