/**
 * The plain data the CLI renders: one engine's identity and its alive
 * containers at one moment. Rendering works on these, never on live objects.
 *
 * @module
 */

import type { Container } from "../lib/model/container.ts";
import type { ReadonlyPortfolio } from "../lib/model/portfolio.ts";

/** One engine's picture as the CLI shows it. */
export interface EngineSnapshot {
  /** The registry name of the engine's kind, e.g. `docker` (for `--filter engine=`). */
  readonly kind: string;
  /** Engine type, e.g. `docker.com`, `podman.io`, `containerd.io`. */
  readonly type: string;
  /** The API endpoint the engine was reached at. */
  readonly api: string;
  /** The engine instance ID ("" when the engine has none). */
  readonly id: string;
  /** The engine version. */
  readonly version: string;
  /** Alive containers, sorted by project (standalone last), then name. */
  readonly containers: readonly Container[];
}

/**
 * Orders containers by project with standalone containers (project `""`)
 * last, as the text groups them, then by name (then ID, so that the order is
 * total). Text and JSON both list containers in this order.
 */
export function compareContainers(a: Container, b: Container): number {
  return compare(a.project === "" ? 1 : 0, b.project === "" ? 1 : 0) || compare(a.project, b.project) ||
    compare(a.name, b.name) || compare(a.id, b.id);
}

function compare<T extends string | number>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Every container of a portfolio, sorted by {@linkcode compareContainers}. */
export function sortedContainers(portfolio: ReadonlyPortfolio): Container[] {
  return [...portfolio.allContainers()].sort(compareContainers);
}
