/**
 * The runtimes a benchmark compares side by side, and how each runs a
 * TypeScript file or the CLI as users start it: Node (the one running the
 * bench, ≥ 24, type stripping; the CLI as the built npm bin), Deno and Bun
 * from node_modules/.bin (the CLI as its entry cli/bin.ts, as users of a clone run it).
 *
 * @module
 */

import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT: string = fileURLToPath(new URL("../../", import.meta.url));

/** One runtime under benchmark. */
export interface BenchRuntime {
  /** `node`, `deno` or `bun`. */
  readonly name: "node" | "deno" | "bun";
  /** Label with its version, e.g. `Node 24.22.3`. */
  readonly label: string;
  /** The command that runs a TypeScript file. */
  script(file: string, ...args: string[]): string[];
  /** The command that runs the CLI as users do. */
  cli(...args: string[]): string[];
  /** The command that runs an inline program (for the bare-runtime floors). */
  evaluate(code: string): string[];
}

/**
 * Node (this process), Deno and Bun where installed. Node's CLI is
 * dist/cli/bin.js: run `npm run build` first (the bench runner does).
 *
 * @example
 * ```ts
 * import { benchRuntimes } from "./runtimes.ts";
 * for (const r of benchRuntimes()) console.log(r.label, r.script("bench/x.ts").join(" "));
 * ```
 */
export function benchRuntimes(): BenchRuntime[] {
  const node = process.execPath;
  const list: BenchRuntime[] = [{
    name: "node",
    label: `Node ${process.versions.node}`,
    script: (file, ...args) => [node, join(ROOT, file), ...args],
    cli: (...args) => [node, join(ROOT, "dist", "cli", "bin.js"), ...args],
    evaluate: (code) => [node, "-e", code],
  }];
  const deno = join(ROOT, "node_modules", ".bin", "deno");
  if (existsSync(deno)) {
    list.push({
      name: "deno",
      label: "Deno",
      script: (file, ...args) => [deno, "run", "-A", join(ROOT, file), ...args],
      cli: (...args) => [deno, "run", "-A", join(ROOT, "cli", "bin.ts"), ...args],
      evaluate: (code) => [deno, "eval", code],
    });
  }
  const bun = join(ROOT, "node_modules", ".bin", "bun");
  if (existsSync(bun)) {
    list.push({
      name: "bun",
      label: "Bun",
      script: (file, ...args) => [bun, join(ROOT, file), ...args],
      cli: (...args) => [bun, join(ROOT, "cli", "bin.ts"), ...args],
      evaluate: (code) => [bun, "-e", code],
    });
  }
  return list;
}

/** Resident and peak resident memory of a process, in MB (10^6 bytes, from /proc; Linux only). */
export interface Rss {
  /** VmRSS. */
  readonly rss: number;
  /** VmHWM: the peak. */
  readonly peak: number;
}

/**
 * Reads a process's resident memory from /proc/PID/status.
 *
 * @example
 * ```ts
 * import { readRss } from "./runtimes.ts";
 * console.log(readRss(process.pid).rss, "MB");
 * ```
 */
export async function readRss(pid: number): Promise<Rss> {
  const { readFile } = await import("node:fs/promises");
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
  return { rss: (kb("VmRSS") * 1024) / 1e6, peak: (kb("VmHWM") * 1024) / 1e6 };
}
