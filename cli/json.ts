/**
 * JSON rendering of the CLI: the `--json` document and the `--watch --json`
 * NDJSON event lines. Pure functions from data to strings.
 *
 * @module
 */

import type { EngineIdentity, LifecycleEvent } from "../lib/events.ts";
import type { Container } from "../lib/model/container.ts";
import { detailsOf } from "../lib/model/details.ts";
import type { EngineSnapshot } from "./snapshot.ts";

/** A container as the JSON output shows it. */
export interface ContainerJson {
  /** Container ID. */
  id: string;
  /** Container name. */
  name: string;
  /** PID of the container's initial process. */
  pid: number;
  /** Whether the container is paused. */
  paused: boolean;
  /** Composer project ("" for standalone containers). */
  project: string;
  /** The container's labels. */
  labels: Record<string, string>;
  /** The image the container was created from, where the engine says it. */
  image?: string;
  /** When the container's process started (engine clock, ISO 8601), where the engine says it. */
  started?: string;
}

/** One engine in the `--json` document. */
export interface EngineJson {
  /** Engine type, e.g. `docker.com`. */
  type: string;
  /** API endpoint. */
  api: string;
  /** Engine instance ID. */
  id: string;
  /** Engine version. */
  version: string;
  /** Alive containers in the text's order: by project (standalone last), then name. */
  containers: ContainerJson[];
}

/** The `--json` document. */
export interface PictureJson {
  /** Every engine shown. */
  engines: EngineJson[];
}

/** What an `exited` event line says about the exit; a key is absent when the engine did not tell. */
export interface ExitJson {
  /** Exit code of the container's initial process. */
  code?: number;
  /** `true` when the engine reported an OOM kill (never `false`: engines report kills, not their absence). */
  oom?: boolean;
  /** When the container exited by the engine's clock, ISO 8601. */
  time?: string;
}

/**
 * One `--watch --json` event line:
 * `{"engine":{"type","api","id"},"type","time","container",…}`, and on
 * `exited` lines also `"exit":{"code","oom","time"}` with only the known keys.
 */
export interface EventJson {
  /** The engine the event comes from: type, API endpoint and engine ID ("" when it has none). */
  engine: EngineIdentity;
  /** What happened. */
  type: LifecycleEvent["type"];
  /** When it happened, ISO 8601. */
  time: string;
  /** The container after the change (for `exited`: as last known). */
  container: ContainerJson;
  /** On `exited` lines: what the engine said about the exit (`{}` when nothing is known). */
  exit?: ExitJson;
}

/** A container's JSON form. */
export function containerJson(container: Container): ContainerJson {
  const { image, started } = detailsOf(container);
  return {
    id: container.id,
    name: container.name,
    pid: container.pid,
    paused: container.paused,
    project: container.project,
    labels: { ...container.labels },
    ...(image !== undefined ? { image } : {}),
    ...(started !== undefined ? { started: started.toISOString() } : {}),
  };
}

/** The `--json` document for the given engines (containers must already be sorted). */
export function pictureJson(engines: readonly EngineSnapshot[]): PictureJson {
  return {
    engines: engines.map((e) => ({
      type: e.type,
      api: e.api,
      id: e.id,
      version: e.version,
      containers: e.containers.map(containerJson),
    })),
  };
}

/** The `--json` document as text: indented for reading, or on one line (`compact`) to start an NDJSON stream. */
export function renderPictureJson(engines: readonly EngineSnapshot[], compact = false): string {
  return JSON.stringify(pictureJson(engines), null, compact ? undefined : 2) + "\n";
}

/** A lifecycle event's JSON form (the event names its engine); see {@linkcode EventJson}. */
export function eventJson(event: LifecycleEvent): EventJson {
  const { type, api, id } = event.engine;
  const line: EventJson = {
    engine: { type, api, id },
    type: event.type,
    time: event.time.toISOString(),
    container: containerJson(event.container),
  };
  if (event.exit) {
    const { code, oom, time } = event.exit;
    line.exit = {
      ...(code !== undefined ? { code } : {}),
      ...(oom ? { oom } : {}),
      ...(time ? { time: time.toISOString() } : {}),
    };
  }
  return line;
}

/** One NDJSON line for a lifecycle event; see {@linkcode EventJson}. */
export function renderEventJson(event: LifecycleEvent): string {
  return JSON.stringify(eventJson(event)) + "\n";
}
