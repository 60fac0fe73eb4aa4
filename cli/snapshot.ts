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
  /** Engine type, e.g. `docker.com`, `podman.io`, `containerd.io`. */
  readonly type: string;
  /** The API endpoint the engine was reached at. */
  readonly api: string;
  /** The engine instance ID ("" when the engine has none). */
  readonly id: string;
  /** The engine version. */
  readonly version: string;
  /** Alive containers, sorted by project, then name. */
  readonly containers: readonly Container[];
}

/** Orders containers by project, then name (then ID, so that the order is total). */
export function compareContainers(a: Container, b: Container): number {
  return compare(a.project, b.project) || compare(a.name, b.name) || compare(a.id, b.id);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Every container of a portfolio, sorted by project, then name. */
export function sortedContainers(portfolio: ReadonlyPortfolio): Container[] {
  return [...portfolio.allContainers()].sort(compareContainers);
}
