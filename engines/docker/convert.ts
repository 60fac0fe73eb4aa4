/**
 * Turns Docker API JSON (inspect results and event messages) into the
 * engine-neutral model. Pure functions, no I/O.
 *
 * @module
 */

import type { EngineEvent, EngineExit } from "../../lib/engine.ts";
import { EngineProtocolError } from "../../lib/errors.ts";
import { type Container, newContainer, type Packer } from "../../lib/model/container.ts";
import { COMPOSE_PROJECT_LABEL, PRIVILEGED_LABEL } from "../../lib/model/labels.ts";

// The Docker client's packer gets the full inspect JSON: `Packer<unknown>`, the model's default.
export type { Packer };

type Json = Record<string, unknown>;

/** Whether a parsed JSON value is an object (not `null`, not an array). */
export function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringRecord(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObject(value)) return out;
  for (const [key, v] of Object.entries(value)) if (typeof v === "string") out[key] = v;
  return out;
}

/**
 * Converts a `GET /containers/{id}/json` result into a {@linkcode Container},
 * or `undefined` when the container is not alive (`State.Pid` is 0: created,
 * exited, restarting).
 *
 * @throws {EngineProtocolError} when the JSON lacks `Id` or `State`.
 */
export function containerFromInspect(inspect: unknown, endpoint: string, packer?: Packer): Container | undefined {
  if (!isObject(inspect) || typeof inspect.Id !== "string" || inspect.Id === "" || !isObject(inspect.State)) {
    throw new EngineProtocolError(`container inspect from ${endpoint} lacks Id or State`, {
      endpoint,
      retryable: true,
      hint: "is this a Docker-compatible engine?",
    });
  }
  const state = inspect.State;
  const pid = state.Pid;
  if (typeof pid !== "number" || !Number.isSafeInteger(pid) || pid <= 0) return undefined;
  const config = isObject(inspect.Config) ? inspect.Config : {};
  const hostConfig = isObject(inspect.HostConfig) ? inspect.HostConfig : {};
  const labels = stringRecord(config.Labels);
  if (hostConfig.Privileged === true) labels[PRIVILEGED_LABEL] = "true";
  const init = {
    id: inspect.Id,
    name: typeof inspect.Name === "string" ? inspect.Name.replace(/^\//, "") : "",
    labels,
    pid,
    project: labels[COMPOSE_PROJECT_LABEL] ?? "",
    paused: state.Paused === true,
  };
  const container = newContainer(init);
  if (!packer) return container;
  return newContainer({ ...init, rucksack: packer(container, inspect) });
}

/**
 * The IDs in a `GET /containers/json` result.
 *
 * @throws {EngineProtocolError} when it is not an array of objects with `Id`.
 */
export function idsFromList(list: unknown, endpoint: string): string[] {
  if (!Array.isArray(list) || !list.every((item) => isObject(item) && typeof item.Id === "string")) {
    throw new EngineProtocolError(`container list from ${endpoint} is not an array of containers`, {
      endpoint,
      retryable: true,
      hint: "is this a Docker-compatible engine?",
    });
  }
  return list.map((item: Json) => item.Id as string);
}

/**
 * What a `GET /containers/{id}/json` result says about the container's last
 * exit (`State.ExitCode`, `State.FinishedAt`, `State.OOMKilled`), or
 * `undefined` when it is alive (`State.Pid` > 0), never ran, or the JSON
 * has no `State`. A missing or zero `FinishedAt` (`0001-01-01T00:00:00Z`)
 * leaves the time unknown.
 */
export function exitFromInspect(inspect: unknown): EngineExit | undefined {
  if (!isObject(inspect) || !isObject(inspect.State)) return undefined;
  const state = inspect.State;
  if (typeof state.Pid === "number" && state.Pid > 0) return undefined;
  const time = typeof state.FinishedAt === "string" ? parseEngineTime(state.FinishedAt) : undefined;
  // A created container that never ran has neither an exit time nor a real exit code.
  if (time === undefined && state.Status === "created") return undefined;
  const code = state.ExitCode;
  return {
    ...(typeof code === "number" && Number.isSafeInteger(code) ? { code } : {}),
    ...(state.OOMKilled === true ? { oom: true } : {}),
    ...(time !== undefined ? { time } : {}),
  };
}

/**
 * Parses an RFC 3339 time as Docker and podman write them (up to nanosecond
 * fractions, `Z` or an offset) into ms since the epoch; `undefined` for Go's
 * zero time (year 1) and anything unparsable. The fraction is cut to
 * milliseconds first: not every runtime's `Date.parse` takes nine digits.
 */
export function parseEngineTime(text: string): number | undefined {
  const trimmed = text.replace(/(\.\d{3})\d+/, "$1");
  const ms = Date.parse(trimmed);
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

/**
 * The container ID of an `oom` event message (the kernel's OOM killer hit
 * the container; Docker sends it before the `die`), else `undefined`.
 */
export function oomFromMessage(message: unknown): string | undefined {
  if (!isObject(message) || message.Type !== "container") return undefined;
  const action = typeof message.Action === "string" ? message.Action : message.status;
  if (action !== "oom") return undefined;
  const actor = isObject(message.Actor) ? message.Actor : {};
  const id = typeof actor.ID === "string" && actor.ID !== "" ? actor.ID : message.id;
  return typeof id === "string" && id !== "" ? id : undefined;
}

/**
 * Maps an `/events` message to a lifecycle event: `start` → started,
 * `die` (podman also `died`) → exited, `pause` → paused, `unpause` →
 * unpaused. Everything else (other types, `create`, `destroy`, `kill`,
 * suffixed actions such as `exec_start: sh` or `health_status: healthy`,
 * podman's `init`, `cleanup`, `remove`, …) and messages without a container
 * ID yield `undefined`.
 *
 * The time comes from `timeNano`, else `time`, else the local clock.
 * The project of an exit comes from the container labels that Docker and
 * podman copy into `Actor.Attributes` (`""` when absent), its exit code from
 * the attribute `exitCode` (a decimal string; podman also sends
 * `containerExitCode`). OOM kills come in separate `oom` messages: see
 * {@linkcode oomFromMessage}.
 */
export function eventFromMessage(message: unknown): EngineEvent | undefined {
  if (!isObject(message)) return undefined;
  if (message.Type !== undefined && message.Type !== "container") return undefined;
  const actor = isObject(message.Actor) ? message.Actor : {};
  const id = typeof actor.ID === "string" && actor.ID !== "" ? actor.ID : message.id;
  if (typeof id !== "string" || id === "") return undefined;
  const action = typeof message.Action === "string" ? message.Action : message.status;
  const time = eventTime(message);
  switch (action) {
    case "start":
      return { type: "started", id, time };
    case "die":
    case "died": {
      const attributes = isObject(actor.Attributes) ? actor.Attributes : {};
      const project = attributes[COMPOSE_PROJECT_LABEL];
      const code = exitCode(attributes.exitCode) ?? exitCode(attributes.containerExitCode);
      return {
        type: "exited",
        id,
        project: typeof project === "string" ? project : "",
        time,
        exit: code !== undefined ? { code } : {},
      };
    }
    case "pause":
      return { type: "paused", id, time };
    case "unpause":
      return { type: "unpaused", id, time };
    default:
      return undefined;
  }
}

/** Attributes of an event's actor that are not the container's labels. */
const NON_LABEL_ATTRIBUTES = new Set(["name", "image", "exitCode", "containerExitCode", "signal", "podId"]);

/**
 * What a container event message says of its container: the name and the
 * labels (both engines copy the labels into `Actor.Attributes`, beside
 * `name`, `image` and exit attributes) and the compose project.
 */
export function loggedContainerOf(message: unknown): { name: string; labels: Record<string, string>; project: string } {
  const actor = isObject(message) && isObject(message.Actor) ? message.Actor : {};
  const attributes = isObject(actor.Attributes) ? actor.Attributes : {};
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (typeof value === "string" && !NON_LABEL_ATTRIBUTES.has(key)) labels[key] = value;
  }
  const name = typeof attributes.name === "string" ? attributes.name : "";
  return { name, labels, project: labels[COMPOSE_PROJECT_LABEL] ?? "" };
}

/** An exit code attribute: a decimal string of a non-negative integer. */
function exitCode(value: unknown): number | undefined {
  if (typeof value !== "string" || !/^\d{1,10}$/.test(value)) return undefined;
  const code = Number(value);
  return Number.isSafeInteger(code) ? code : undefined;
}

/** When an engine logged an event message (ms since the epoch, from `timeNano` or `time`), if it says. */
export function loggedAtMs(message: unknown): number | undefined {
  if (typeof message !== "object" || message === null) return undefined;
  const { timeNano, time } = message as Json;
  if (typeof timeNano === "number" && Number.isFinite(timeNano) && timeNano > 0) return Math.floor(timeNano / 1e6);
  if (typeof time === "number" && Number.isFinite(time) && time > 0) return time * 1000;
  return undefined;
}

/** A live event without a time happened about now. */
function eventTime(message: Json): number {
  return loggedAtMs(message) ?? Date.now();
}
