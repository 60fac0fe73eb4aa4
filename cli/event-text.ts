/**
 * Text rendering of `--watch` events: one line per lifecycle event in
 * columns (time, engine, event, project, name, ID, PID, exit) that line up
 * across engines and events. A column grows to its widest value so far
 * (seeded from the first picture), so lines stay aligned without buffering.
 *
 * @module
 */

import type { LifecycleEvent } from "../lib/events.ts";
import type { Container } from "../lib/model/container.ts";
import { fit, paint } from "./style.ts";
import type { Ansi, TextStyle } from "./style.ts";
import { idText } from "./text.ts";

const EVENT_COLOR: Record<LifecycleEvent["type"], Ansi> = {
  started: "green",
  exited: "red",
  paused: "yellow",
  unpaused: "cyan",
};

/** The widest event type, `unpaused`. */
const EVENT_WIDTH = 8;

function two(n: number): string {
  return String(n).padStart(2, "0");
}

/**
 * A time as the event line shows it: ISO 8601 UTC, or with `local` the same
 * form in the local time zone with its offset (`2026-01-02T04:04:05.678+01:00`).
 */
export function eventTime(time: Date, local: boolean): string {
  if (!local) return time.toISOString();
  const offset = -time.getTimezoneOffset();
  const zone = offset === 0
    ? "Z"
    : `${offset > 0 ? "+" : "-"}${two(Math.floor(Math.abs(offset) / 60))}:${two(Math.abs(offset) % 60)}`;
  return `${time.getFullYear()}-${two(time.getMonth() + 1)}-${two(time.getDate())}T${two(time.getHours())}:` +
    `${two(time.getMinutes())}:${two(time.getSeconds())}.${String(time.getMilliseconds()).padStart(3, "0")}${zone}`;
}

/**
 * The exit column: `exit 137 (oom)`, `exit 0`, `exit ?` when the engine did
 * not tell; empty for other events.
 */
export function exitText(event: LifecycleEvent): string {
  if (event.type !== "exited") return "";
  const exit = event.exit ?? {};
  return `exit ${exit.code ?? "?"}${exit.oom ? " (oom)" : ""}`;
}

/** The PID cell: `-` for a replayed event's container that is no longer alive (PID 0). */
function pidText(c: Container): string {
  return c.pid > 0 ? String(c.pid) : "-";
}

/** Renders event lines whose columns line up; one per watch. */
export class EventColumns {
  #engine = 0;
  #project = 1;
  #name = 0;
  #pid = 0;

  /** Starts with columns wide enough for the engine types and the containers already shown. */
  constructor(engineTypes: readonly string[] = [], containers: readonly Container[] = []) {
    for (const type of engineTypes) this.#engine = Math.max(this.#engine, type.length);
    for (const c of containers) this.#grow(c);
  }

  #grow(c: Container): void {
    this.#project = Math.max(this.#project, c.project.length);
    this.#name = Math.max(this.#name, c.name.length);
    this.#pid = Math.max(this.#pid, String(c.pid).length);
  }

  /** One line for `event`, ending in a newline. */
  line(event: LifecycleEvent, style: TextStyle): string {
    const c = event.container;
    this.#engine = Math.max(this.#engine, event.engine.type.length);
    this.#grow(c);
    const cells = [
      eventTime(event.time, style.localTime === true),
      event.engine.type.padEnd(this.#engine),
      paint(style, EVENT_COLOR[event.type], event.type.padEnd(EVENT_WIDTH)),
      (c.project || "-").padEnd(this.#project),
      c.name.padEnd(this.#name),
      paint(style, "dim", idText(c, style).padEnd(style.noTrunc ? 0 : 12)),
      pidText(c).padStart(this.#pid),
      paint(style, "red", exitText(event)),
    ];
    const text = cells.join("  ").trimEnd();
    return (style.width === undefined ? text : fit(text, style.width)) + "\n";
  }
}
