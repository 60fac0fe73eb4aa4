/**
 * What the CLI prints for a picture and for each event, by the output form
 * the user chose (text, `--json`, `-q`, `--format`) after `--filter`. Pure:
 * snapshots and events in, text out.
 *
 * @module
 */

import type { LifecycleEvent } from "../lib/events.ts";
import type { CliOptions } from "./args.ts";
import { EventColumns } from "./event-text.ts";
import { engineSelected, passes } from "./filter.ts";
import type { FilterEngine } from "./filter.ts";
import { applyTemplate } from "./format.ts";
import { containerJson, eventJson, renderEventJson, renderPictureJson } from "./json.ts";
import type { EngineSnapshot } from "./snapshot.ts";
import type { TextStyle } from "./style.ts";
import { renderPicture, shortId } from "./text.ts";

/** The options that decide what is printed. */
export type PresentOptions = Pick<CliOptions, "json" | "filters" | "quiet" | "format" | "noTrunc">;

/** The engines and containers `options.filters` lets through. */
export function filterPicture(picture: readonly EngineSnapshot[], options: PresentOptions): EngineSnapshot[] {
  return picture
    .filter((e) => engineSelected(options.filters, e))
    .map((e) => ({ ...e, containers: e.containers.filter((c) => passes(options.filters, c, e)) }));
}

function id(containerId: string, options: PresentOptions): string {
  return options.noTrunc ? containerId : shortId(containerId);
}

/**
 * The picture as printed: filtered, then as JSON (`compact` to start an
 * NDJSON stream), IDs (`-q`), template lines (`--format`) or the text table.
 */
export function presentPicture(picture: readonly EngineSnapshot[], options: PresentOptions, style: TextStyle, compact = false): string {
  const shown = filterPicture(picture, options);
  if (options.json) return renderPictureJson(shown, compact);
  const rows = shown.flatMap((e) => e.containers.map((c) => ({ engine: e, container: c })));
  if (options.quiet) return rows.map(({ container }) => id(container.id, options) + "\n").join("");
  const format = options.format;
  if (format) {
    return rows.map(({ engine, container }) => {
      const { type, api, id, version } = engine;
      return applyTemplate(format, { ...containerJson(container), engine: { type, api, id, version } });
    }).join("");
  }
  return renderPicture(shown, style);
}

/** Renders the events of a watch; aligned text lines need the state of one {@linkcode EventColumns}. */
export class EventPresenter {
  readonly #options: PresentOptions;
  readonly #style: TextStyle;
  readonly #columns: EventColumns;

  /**
   * Starts a watch's rendering, its text columns as wide as the filtered first picture needs (the
   * containers a filter hides must not widen the lines of those it shows).
   */
  constructor(picture: readonly EngineSnapshot[], options: PresentOptions, style: TextStyle) {
    this.#options = options;
    this.#style = style;
    const shown = filterPicture(picture, options);
    this.#columns = new EventColumns(shown.map((e) => e.type), shown.flatMap((e) => e.containers));
  }

  /**
   * The line(s) for `event` from an engine of `kind` ("" when a filter drops
   * it); `replayed` (from the engine's log, `--since`) marks its JSON line.
   */
  present(event: LifecycleEvent, kind: string, replayed = false): string {
    const options = this.#options;
    const engine: FilterEngine = { kind, type: event.engine.type };
    if (!engineSelected(options.filters, engine) || !passes(options.filters, event.container, engine)) return "";
    if (options.json) return replayed ? JSON.stringify({ ...eventJson(event), replayed: true }) + "\n" : renderEventJson(event);
    if (options.quiet) return id(event.container.id, options) + "\n";
    if (options.format) return applyTemplate(options.format, eventJson(event));
    return this.#columns.line(event, this.#style);
  }
}
