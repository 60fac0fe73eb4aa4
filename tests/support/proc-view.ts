/**
 * A /proc view for tests: a directory holding `self` and, for each process
 * of the real /proc that a test's rule picks (e.g. "the engine processes
 * started from this test's directory"), a symlink to its /proc entry. Scans
 * pointed at it see those processes only, so that the engines of other
 * suites on the machine stay out. A picked process that exits leaves its
 * entry dangling until the next {@linkcode ProcView.refresh}, as a /proc
 * entry vanishes.
 *
 * @module
 */

import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Picks a process by its PID, `comm` and NUL-separated `cmdline`. */
export type ProcessRule = (pid: number, comm: string, cmdline: string) => boolean;

/** A live process of the real /proc: its `comm` and `cmdline`, or undefined when gone. */
function processInfo(pid: number): { comm: string; cmdline: string } | undefined {
  try {
    return { comm: readFileSync(`/proc/${pid}/comm`, "utf8").trim(), cmdline: readFileSync(`/proc/${pid}/cmdline`, "utf8") };
  } catch {
    return undefined; // exited meanwhile
  }
}

/** The processes of the real /proc that `rule` picks, with their command lines. */
export function pickProcesses(rule: ProcessRule): Map<number, string> {
  const picked = new Map<number, string>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const info = processInfo(Number(name));
    if (info !== undefined && rule(Number(name), info.comm, info.cmdline)) picked.set(Number(name), info.cmdline);
  }
  return picked;
}

/** A directory standing in for /proc with the processes a rule picks. */
export class ProcView {
  /** The view's directory, to pass as a `procRoot`. */
  readonly dir: string;
  readonly #rule: ProcessRule;

  /** A view of the processes `rule` picks now; {@linkcode ProcView.refresh} picks again. */
  constructor(rule: ProcessRule) {
    this.dir = mkdtempSync(join(tmpdir(), "ww-proc-"));
    this.#rule = rule;
    symlinkSync("/proc/self", join(this.dir, "self"));
    this.refresh();
  }

  /** Adds the processes the rule picks now, drops the entries of those gone or no longer picked; returns the PIDs in the view. */
  refresh(): number[] {
    const picked = pickProcesses(this.#rule);
    for (const name of readdirSync(this.dir)) {
      if (name !== "self" && !picked.has(Number(name))) unlinkSync(join(this.dir, name));
    }
    const present = new Set(readdirSync(this.dir));
    for (const pid of picked.keys()) if (!present.has(String(pid))) symlinkSync(`/proc/${pid}`, join(this.dir, String(pid)));
    return [...picked.keys()];
  }

  /** Removes the view's directory. */
  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
