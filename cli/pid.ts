/**
 * `whalewatcher pid PID`: which alive container (of which engine) a host
 * process belongs to, answered from the engines' pictures and /proc.
 *
 * @module
 */

import type { EngineIdentity } from "../lib/events.ts";
import type { ContainerMatch, ProcessContainer } from "../lib/container-of.ts";
import { type ContainerJson, containerJson } from "./json.ts";

/** The `--json` answer of `whalewatcher pid PID`. */
export interface PidJson {
  /** The process asked about. */
  pid: number;
  /** Its container, or `null` when it is in none. */
  container: ContainerJson | null;
  /** The engine of that container, or `null`. */
  engine: EngineIdentity | null;
  /** How the process was matched to the container, or `null`. */
  match: ContainerMatch | null;
}

/** `--json`: one JSON document. */
export function renderPidJson(pid: number, found: ProcessContainer | undefined): string {
  const answer: PidJson = {
    pid,
    container: found === undefined ? null : containerJson(found.container),
    engine: found === undefined ? null : { ...found.engine },
    match: found?.match ?? null,
  };
  return JSON.stringify(answer, null, 2) + "\n";
}

/** Text: one line naming the container, its project, engine and how it was matched; or that there is none. */
export function renderPidText(pid: number, found: ProcessContainer | undefined): string {
  if (found === undefined) return `process ${pid} is in no alive container\n`;
  const { container, engine, match } = found;
  const project = container.project === "" ? "" : ` of project ${container.project}`;
  return `process ${pid} is in container ${container.name} (${container.id.slice(0, 12)}, init PID ${container.pid})` +
    `${project}, ${engine.type} at ${engine.api} (by ${match})\n`;
}
