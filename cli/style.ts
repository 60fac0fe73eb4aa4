/**
 * How the CLI's text is styled, and the two helpers every text renderer
 * uses: ANSI colour that is only emitted when asked, and cutting a cell to a
 * width. Pure; the caller decides the style from the terminal and options.
 *
 * @module
 */

/** How text is styled. */
export interface TextStyle {
  /** Whether to emit ANSI colour codes. */
  readonly color: boolean;
  /** The terminal's width in columns; rows are fitted to it. Absent: no limit (not a terminal). */
  readonly width?: number | undefined;
  /** Full container and engine IDs (`--no-trunc`) instead of short ones. */
  readonly noTrunc?: boolean | undefined;
  /** Times in the local time zone (on a terminal) instead of ISO 8601 UTC. */
  readonly localTime?: boolean | undefined;
  /** The clock uptimes are measured against; default: the current time. */
  readonly now?: Date | undefined;
}

const ANSI = { bold: "1", dim: "2", yellow: "33", cyan: "36", green: "32", red: "31" } as const;

/** A colour or weight {@linkcode paint} can apply. */
export type Ansi = keyof typeof ANSI;

/** `text` in the ANSI style `code` when `style.color` is set; otherwise (or when empty) unchanged. */
export function paint(style: TextStyle, code: Ansi, text: string): string {
  return style.color && text.trim() !== "" ? `\x1b[${ANSI[code]}m${text}\x1b[0m` : text;
}

const ESCAPE = /(\x1b\[[0-9;]*m)/;

/**
 * `text` cut to `width` visible characters, ending in `…` when it was
 * longer. ANSI colour codes take no room: they are kept, and a cut line ends
 * with a reset so that no colour runs on.
 */
export function fit(text: string, width: number): string {
  if (!text.includes("\x1b[")) {
    return text.length <= width ? text : width <= 1 ? text.slice(0, width) : text.slice(0, width - 1) + "…";
  }
  const parts = text.split(ESCAPE);
  const visible = parts.reduce((n, part, i) => (i % 2 === 1 ? n : n + part.length), 0);
  if (visible <= width) return text;
  const room = Math.max(width - 1, 0);
  let out = "";
  let used = 0;
  for (const [i, part] of parts.entries()) {
    if (i % 2 === 1) out += part;
    else {
      const piece = part.slice(0, room - used);
      out += piece;
      used += piece.length;
    }
  }
  return `${out}${width >= 1 ? "…" : ""}\x1b[0m`;
}
