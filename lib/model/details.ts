/**
 * Display details of a container beyond the model: the image it runs and
 * when its process started, as far as its engine tells. Front ends that show
 * them (the CLI's IMAGE and STATE columns) ask each engine client for them
 * through a packer that stores a {@linkcode ContainerDetails} as the
 * container's rucksack; the model itself stays without them.
 *
 * @module
 */

import type { Container } from "./container.ts";

/** What an engine says about a container for display; a field is absent when the engine does not tell. */
export interface ContainerDetails {
  /** The image reference the container was created from, as the user named it. */
  readonly image?: string;
  /** When the container's current process started, by the engine's clock. */
  readonly started?: Date;
}

/**
 * Builds details from what an engine said, dropping empty values (an empty
 * image, an invalid or zero time such as Docker's `0001-01-01T00:00:00Z`).
 *
 * @example
 * ```ts
 * import { newDetails } from "./details.ts";
 * newDetails({ image: "nginx", started: "2026-01-02T03:04:05Z" }); // { image: "nginx", started: Date }
 * ```
 */
export function newDetails(raw: { image?: unknown; started?: unknown }): ContainerDetails {
  const started = typeof raw.started === "string" || raw.started instanceof Date ? new Date(raw.started) : undefined;
  return {
    ...(typeof raw.image === "string" && raw.image !== "" ? { image: raw.image } : {}),
    ...(started && Number.isFinite(started.getTime()) && started.getUTCFullYear() > 1970 ? { started } : {}),
  };
}

/**
 * The details a details packer stored in `container`'s rucksack, or `{}`
 * when it carries none (another packer's data counts as none).
 *
 * @example
 * ```ts
 * import { newContainer } from "./container.ts";
 * import { detailsOf, newDetails } from "./details.ts";
 * const c = newContainer({ id: "abc", pid: 1, rucksack: newDetails({ image: "nginx" }) });
 * detailsOf(c).image; // "nginx"
 * ```
 */
export function detailsOf(container: Container): ContainerDetails {
  const r = container.rucksack;
  if (typeof r !== "object" || r === null) return {};
  const { image, started } = r as Record<string, unknown>;
  return {
    ...(typeof image === "string" ? { image } : {}),
    ...(started instanceof Date ? { started } : {}),
  };
}
