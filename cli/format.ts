/**
 * `--format TEMPLATE`: the placeholder subset of Go templates docker users
 * type daily. `{{.Field}}` (case-insensitive, dotted for nested fields such
 * as `{{.Labels.tier}}` or `{{.Engine.Type}}`) is replaced by that field of
 * the row's JSON form (see `json.ts`); `{{.}}` is the whole row; objects are
 * printed as JSON; a field that is not there prints `<no value>` as in Go.
 * `\t` and `\n` in the template stand for tab and newline. No logic
 * (conditions, loops, functions). Pure.
 *
 * @module
 */

import { UsageError } from "./usage-error.ts";

/** A parsed template: literal text and field paths, alternating. */
export interface Template {
  /** Literal text before each field, and after the last (one more than `fields`). */
  readonly texts: readonly string[];
  /** Each placeholder's field path (empty for `{{.}}`). */
  readonly fields: ReadonlyArray<readonly string[]>;
}

const PLACEHOLDER = /\{\{\s*(\S*?)\s*\}\}/g;
const PATH = /^\.$|^(\.[A-Za-z0-9_-]+)+$/;

function unescape(text: string): string {
  return text.replace(/\\t/g, "\t").replace(/\\n/g, "\n");
}

/**
 * Parses a `--format` template.
 *
 * @throws {UsageError} for a placeholder that is not a field path, or a stray `{{`/`}}`.
 */
export function parseTemplate(template: string): Template {
  const texts: string[] = [];
  const fields: string[][] = [];
  let at = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    const path = match[1]!;
    if (!PATH.test(path)) {
      throw new UsageError(`--format supports only {{.Field}} placeholders (no logic), got ${JSON.stringify(match[0])}`);
    }
    texts.push(template.slice(at, match.index));
    fields.push(path === "." ? [] : path.slice(1).split("."));
    at = match.index + match[0].length;
  }
  texts.push(template.slice(at));
  if (texts.some((t) => t.includes("{{") || t.includes("}}"))) {
    throw new UsageError(`--format has an unmatched {{ or }}: ${JSON.stringify(template)}`);
  }
  return { texts: texts.map(unescape), fields };
}

function lookup(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const name of path) {
    if (typeof current !== "object" || current === null) return undefined;
    const key = Object.keys(current).find((k) => k.toLowerCase() === name.toLowerCase());
    if (key === undefined) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function show(value: unknown): string {
  if (value === undefined) return "<no value>";
  return typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
}

/** `template` applied to one row (a JSON value), ending in a newline. */
export function applyTemplate(template: Template, row: unknown): string {
  let text = template.texts[0]!;
  template.fields.forEach((path, i) => {
    text += show(lookup(row, path)) + template.texts[i + 1]!;
  });
  return text + "\n";
}
