/**
 * Reading a Linux /proc tree: processes, their parents, PID namespaces,
 * cgroups and listening unix sockets. Engine-neutral; the text formats are
 * parsed by `parse.ts`. Every per-process read tolerates the process exiting
 * meanwhile (it then resolves `undefined`), and a read the process may not
 * make throws {@linkcode ProcAccessError}, so a scan can skip or report it.
 *
 * @module
 */

import { readFileSync, readlinkSync } from "node:fs";
import { readdir, readFile, readlink } from "node:fs/promises";
import { WhalewatcherError } from "../errors.ts";
import { mapConcurrent } from "../async/pool.ts";
import {
  type CgroupEntry,
  parseCgroup,
  parseNetUnix,
  parseStat,
  parseStatus,
  type ProcStat,
  type ProcStatus,
  socketInode,
} from "./parse.ts";

/** Where the kernel mounts /proc. */
export const DEFAULT_PROC_ROOT = "/proc";

/** How many /proc files one scan reads at a time. */
const READ_CONCURRENCY = 32;

/** A /proc entry this process may not read (`EACCES`/`EPERM`, or a runtime permission that is not granted). */
export class ProcAccessError extends WhalewatcherError {
  /** The file or directory that could not be read. */
  readonly path: string;
  /** Creates the error for `path`. */
  constructor(path: string, options?: { cause?: unknown }) {
    super(`may not read ${path}`, options);
    this.path = path;
  }
}

/** A listening unix stream socket of a process, as its /proc entries tell. */
export interface ListeningSocket {
  /** The socket's inode number (unique per host while the socket lives). */
  readonly inode: number;
  /**
   * The bound path as the process sees it (in its own mount namespace), or an
   * abstract name starting with `@`.
   */
  readonly path: string;
  /** Whether the address is an abstract name (no file; not reachable through a path). */
  readonly abstract: boolean;
  /**
   * The path through which this process reaches the socket file:
   * `path` itself when the owner shares this process's mount namespace,
   * else `<procRoot>/<pid>/root<path>`; "" for abstract names.
   */
  readonly reachablePath: string;
}

/** Options of {@linkcode ProcFs}. */
export interface ProcFsOptions {
  /** The /proc tree to read; default `/proc`. Tests point it at a fixture tree. */
  readonly root?: string | undefined;
}

/**
 * A /proc tree, read on demand (nothing is cached). The `…Sync` reads are
 * for lookups that read a handful of files per call (`containerOf`): /proc
 * files are generated in memory, so such a read takes a few microseconds
 * and never waits on a disk, while an asynchronous one costs a thread-pool
 * round trip ten or more times as long. Scans, which read many files, read
 * them asynchronously, a few at a time.
 *
 * @example
 * ```ts
 * import { ProcFs } from "./procfs.ts";
 * const proc = new ProcFs();
 * const self = await proc.stat(process.pid);
 * console.assert(self === undefined || self.pid === process.pid);
 * ```
 */
export class ProcFs {
  /** The root of the tree, e.g. `/proc`. */
  readonly root: string;

  /** Reads the tree at `options.root` (default `/proc`). */
  constructor(options: ProcFsOptions = {}) {
    this.root = options.root ?? DEFAULT_PROC_ROOT;
  }

  /** The IDs of the processes the tree lists now, ascending. Throws {@linkcode ProcAccessError} when the tree is unreadable. */
  async pids(): Promise<number[]> {
    const names = await this.#read(this.root, () => readdir(this.root));
    if (names === undefined) throw new ProcAccessError(this.root, { cause: new Error("no such directory") });
    return names.filter((name) => /^[1-9]\d*$/.test(name)).map(Number).sort((a, b) => a - b);
  }

  /** `/proc/PID/stat`, or `undefined` when the process is gone. */
  async stat(pid: number): Promise<ProcStat | undefined> {
    const text = await this.#text(pid, "stat");
    return text === undefined ? undefined : parseStat(text);
  }

  /** {@linkcode ProcFs.stat}, read synchronously. */
  statSync(pid: number): ProcStat | undefined {
    const text = this.#textSync(pid, "stat");
    return text === undefined ? undefined : parseStat(text);
  }

  /** `/proc/PID/status`, or `undefined` when the process is gone. */
  async status(pid: number): Promise<ProcStatus | undefined> {
    const text = await this.#text(pid, "status");
    return text === undefined ? undefined : parseStatus(text);
  }

  /** {@linkcode ProcFs.status}, read synchronously; `self`: this process's. */
  statusSync(pid: number | "self"): ProcStatus | undefined {
    const text = this.#textSync(pid, "status");
    return text === undefined ? undefined : parseStatus(text);
  }

  /** `/proc/PID/cgroup`, or `undefined` when the process is gone; read synchronously. */
  cgroupSync(pid: number): CgroupEntry[] | undefined {
    const text = this.#textSync(pid, "cgroup");
    return text === undefined ? undefined : parseCgroup(text);
  }

  /** `/proc/PID/cmdline` split at its NUL bytes, or `undefined` when the process is gone. */
  async cmdline(pid: number): Promise<string[] | undefined> {
    const text = await this.#text(pid, "cmdline");
    if (text === undefined) return undefined;
    const args = text.split("\0");
    if (args.at(-1) === "") args.pop();
    return args;
  }

  /**
   * The `stat` of every process the tree lists, skipping those that exit
   * while the scan runs and those whose `stat` is unreadable.
   */
  async processes(): Promise<ProcStat[]> {
    const stats = await mapConcurrent(await this.pids(), READ_CONCURRENCY, async (pid) => {
      try {
        return await this.stat(pid);
      } catch (error) {
        if (error instanceof ProcAccessError) return undefined;
        throw error;
      }
    });
    return stats.filter((stat) => stat !== undefined);
  }

  /**
   * The mount namespace of the process (the target of `/proc/PID/ns/mnt`,
   * e.g. `mnt:[4026531841]`), or `undefined` when it is gone.
   */
  async mountNamespace(pid: number | "self"): Promise<string | undefined> {
    return await this.#namespace(pid, "mnt");
  }

  /**
   * The PID namespace of the process (the target of `/proc/PID/ns/pid`, e.g.
   * `pid:[4026531836]`), or `undefined` when it is gone.
   */
  async pidNamespace(pid: number | "self"): Promise<string | undefined> {
    return await this.#namespace(pid, "pid");
  }

  /** {@linkcode ProcFs.pidNamespace}, read synchronously. */
  pidNamespaceSync(pid: number | "self"): string | undefined {
    const path = `${this.root}/${pid}/ns/pid`;
    try {
      return readlinkSync(path);
    } catch (error) {
      return gone(path, error);
    }
  }

  async #namespace(pid: number | "self", kind: string): Promise<string | undefined> {
    const path = `${this.root}/${pid}/ns/${kind}`;
    return await this.#read(path, () => readlink(path));
  }

  /**
   * The inodes of the sockets the process holds open (its `fd/` symlinks
   * pointing at `socket:[INODE]`), or `undefined` when it is gone. A
   * descriptor closed while the directory is read is skipped.
   */
  async socketInodes(pid: number): Promise<Set<number> | undefined> {
    const dir = `${this.root}/${pid}/fd`;
    const fds = await this.#read(dir, () => readdir(dir));
    if (fds === undefined) return undefined;
    const targets = await mapConcurrent(fds, READ_CONCURRENCY, async (fd) => {
      const path = `${dir}/${fd}`;
      return await this.#read(path, () => readlink(path));
    });
    const inodes = new Set<number>();
    for (const target of targets) {
      const inode = target === undefined ? undefined : socketInode(target);
      if (inode !== undefined) inodes.add(inode);
    }
    return inodes;
  }

  /**
   * The unix stream sockets the process itself listens on: the listening
   * entries of its network namespace's `net/unix` whose inode is one of its
   * open descriptors. `undefined` when the process is gone; throws
   * {@linkcode ProcAccessError} when its descriptors may not be read (another
   * user's process, without privileges).
   */
  async listeningSockets(pid: number): Promise<ListeningSocket[] | undefined> {
    const inodes = await this.socketInodes(pid);
    if (inodes === undefined || inodes.size === 0) return inodes === undefined ? undefined : [];
    const table = await this.#text(pid, "net/unix");
    if (table === undefined) return undefined;
    const sameMounts = await this.sharesMountNamespace(pid);
    const sockets: ListeningSocket[] = [];
    for (const entry of parseNetUnix(table)) {
      if (!entry.listening || !entry.stream || entry.path === "" || !inodes.has(entry.inode)) continue;
      const abstract = entry.path.startsWith("@");
      sockets.push({
        inode: entry.inode,
        path: entry.path,
        abstract,
        reachablePath: abstract ? "" : sameMounts ? entry.path : this.pathOf(pid, entry.path),
      });
    }
    return sockets;
  }

  /** `path` in the process's mount namespace, reached through `<root>/<pid>/root`. */
  pathOf(pid: number, path: string): string {
    return `${this.root}/${pid}/root${path.startsWith("/") ? "" : "/"}${path}`;
  }

  /** Whether the process shares this process's mount namespace; `false` when that cannot be told. */
  async sharesMountNamespace(pid: number): Promise<boolean> {
    try {
      const [theirs, ours] = await Promise.all([this.mountNamespace(pid), this.mountNamespace("self")]);
      return theirs !== undefined && theirs === ours;
    } catch (error) {
      if (error instanceof ProcAccessError) return false;
      throw error;
    }
  }

  async #text(pid: number, file: string): Promise<string | undefined> {
    const path = `${this.root}/${pid}/${file}`;
    return await this.#read(path, () => readFile(path, "utf8"));
  }

  #textSync(pid: number | "self", file: string): string | undefined {
    const path = `${this.root}/${pid}/${file}`;
    try {
      return readFileSync(path, "utf8");
    } catch (error) {
      return gone(path, error);
    }
  }

  /** Runs a read of `path`: `undefined` when it is gone, {@linkcode ProcAccessError} when it may not be read. */
  async #read<T>(path: string, read: () => Promise<T>): Promise<T | undefined> {
    try {
      return await read();
    } catch (error) {
      return gone(path, error);
    }
  }
}

/** What a failed read of `path` means: `undefined` when it is gone; else it throws {@linkcode ProcAccessError} when denied, or `error`. */
function gone(path: string, error: unknown): undefined {
  const kind = classifyFsError(error);
  if (kind === "gone") return undefined;
  if (kind === "denied") throw new ProcAccessError(path, { cause: error });
  throw error;
}

/**
 * What a failed /proc read means: the entry is gone (the process exited:
 * `ENOENT`, `ESRCH`, or `EINVAL`/`ENOTDIR` from a half-torn-down entry),
 * it is denied (`EACCES`, `EPERM`, or a runtime permission such as Deno's
 * `NotCapable`), or something else.
 */
function classifyFsError(error: unknown): "gone" | "denied" | "other" {
  const { code, name } = (error ?? {}) as { code?: unknown; name?: unknown };
  if (code === "ENOENT" || code === "ESRCH" || code === "EINVAL" || code === "ENOTDIR") return "gone";
  if (code === "EACCES" || code === "EPERM" || name === "NotCapable" || name === "PermissionDenied") return "denied";
  return "other";
}
