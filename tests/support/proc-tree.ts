/**
 * Writing a made-up /proc tree (for tests and benchmarks of what reads
 * /proc): one process's `stat`, `status`, `cgroup` and `ns/pid` link, in the
 * formats the kernel uses, with the fields whalewatcher reads.
 *
 * @module
 */

import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";

/** One process of a made-up /proc tree. */
export interface ProcEntry {
  readonly pid: number;
  readonly ppid: number;
  /** Its PID namespace's inode (the `ns/pid` link reads `pid:[<ns>]`). */
  readonly ns: number;
  /** The `NSpid:` line's fields, outermost first; default the PID alone. */
  readonly nspid?: readonly number[];
  /** Its cgroup v2 path. */
  readonly cgroup: string;
  /** Its start time (stat field 22); default `1000 + pid`. */
  readonly starttime?: number;
}

/** Writes (or rewrites) process `entry` under `root`. */
export function writeProcEntry(root: string, entry: ProcEntry): void {
  const { pid, ppid, ns, cgroup } = entry;
  const dir = `${root}/${pid}`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(`${dir}/ns`, { recursive: true });
  const starttime = entry.starttime ?? 1000 + pid;
  writeFileSync(`${dir}/stat`, `${pid} (proc ${pid}) S ${ppid} ${pid} ${pid} 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 ${starttime} 0 0`);
  writeFileSync(`${dir}/status`, `Name:\tproc\nUid:\t0\t0\t0\t0\nNSpid:\t${(entry.nspid ?? [pid]).join("\t")}\n`);
  writeFileSync(`${dir}/cgroup`, `0::${cgroup}\n`);
  symlinkSync(`pid:[${ns}]`, `${dir}/ns/pid`);
}
