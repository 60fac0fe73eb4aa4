/**
 * Pure parsers of the Linux /proc text formats whalewatcher reads: a
 * process's `stat`, `status` and `cgroup` files, `net/unix` and the targets
 * of `fd/` symlinks. They take the file's text and never touch the file
 * system, so they are tested on fixture text; {@linkcode ProcFs} does the
 * reading.
 *
 * @module
 */

/** What `/proc/PID/stat` says about a process (the fields whalewatcher uses). */
export interface ProcStat {
  /** The process ID (field 1). */
  readonly pid: number;
  /** The command name (field 2, without its parentheses; up to 15 bytes, may hold spaces and parentheses). */
  readonly comm: string;
  /** The one-letter state (field 3): `R`, `S`, `Z`, … */
  readonly state: string;
  /** The parent's process ID (field 4); 0 for the namespace's first processes. */
  readonly ppid: number;
  /** When the process started, in clock ticks after boot (field 22); with `pid` it names one process for good. */
  readonly starttime: number;
}

/**
 * Parses `/proc/PID/stat`; `undefined` when the text is not such a line (a
 * truncated read). The command name is everything between the first `(` and
 * the last `)`, since it may itself hold spaces and parentheses.
 *
 * @example
 * ```ts
 * import { parseStat } from "./parse.ts";
 * const stat = parseStat("42 (my (odd) name) S 1 42 42 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 5150 0 0");
 * console.assert(stat?.comm === "my (odd) name" && stat.ppid === 1 && stat.starttime === 5150);
 * ```
 */
export function parseStat(text: string): ProcStat | undefined {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 1 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  // Fields after the name: 3 (state) is the first, so field N is the (N - 3)th. Only the three used are cut
  // out, in one pass up to field 22: a lookup parses one `stat` per process it walks, and splitting all
  // 50 fields into strings took three quarters of the parse.
  let state: string | undefined;
  let ppid = NaN;
  let starttime = NaN;
  for (let at = close + 1, field = 3; field <= 22; field++) {
    while (at < text.length && isSpace(text.charCodeAt(at))) at++;
    if (at >= text.length) break;
    const start = at;
    while (at < text.length && !isSpace(text.charCodeAt(at))) at++;
    if (field === 3) state = text.slice(start, at);
    else if (field === 4) ppid = Number(text.slice(start, at));
    else if (field === 22) starttime = Number(text.slice(start, at));
  }
  if (state === undefined || !Number.isSafeInteger(pid) || !Number.isSafeInteger(ppid) || !Number.isSafeInteger(starttime)) {
    return undefined;
  }
  return { pid, comm: text.slice(open + 1, close), state, ppid, starttime };
}

/** Space, tab, newline, carriage return, vertical tab, form feed: what separates the fields of /proc text. */
function isSpace(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13);
}

/** What `/proc/PID/status` says about a process (the fields whalewatcher uses). */
export interface ProcStatus {
  /** `Name:` — the command name, as in `stat`. */
  readonly name: string;
  /** `Uid:` — real, effective, saved and file-system user IDs. */
  readonly uids: readonly number[];
  /**
   * `NSpid:` — the process's ID in each PID namespace it is in, from the
   * outermost (the namespace of the reading /proc's mount) to its own
   * innermost; a single entry when it shares the reader's PID namespace.
   * Empty on kernels without the line (before 4.1).
   */
  readonly nspid: readonly number[];
}

/**
 * Parses `/proc/PID/status`; missing lines give empty fields.
 *
 * @example
 * ```ts
 * import { parseStatus } from "./parse.ts";
 * const status = parseStatus("Name:\tsleep\nUid:\t0\t0\t0\t0\nNSpid:\t4711\t1\n");
 * console.assert(status.nspid.join() === "4711,1" && status.uids[0] === 0);
 * ```
 */
export function parseStatus(text: string): ProcStatus {
  let name = "";
  let uids: number[] = [];
  let nspid: number[] = [];
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const key = line.slice(0, colon);
    const value = line.slice(colon + 1);
    if (key === "Name") name = value.trim();
    else if (key === "Uid") uids = numbers(value);
    else if (key === "NSpid") nspid = numbers(value);
  }
  return { name, uids, nspid };
}

function numbers(text: string): number[] {
  return text.trim().split(/\s+/).filter((field) => field !== "").map(Number).filter(Number.isSafeInteger);
}

/** One line of `/proc/PID/cgroup`. */
export interface CgroupEntry {
  /** The hierarchy ID; 0 for the unified (v2) hierarchy. */
  readonly hierarchy: number;
  /** The controllers bound to the hierarchy (empty for v2). */
  readonly controllers: readonly string[];
  /** The process's cgroup path in that hierarchy, e.g. `/system.slice/foo.scope`. */
  readonly path: string;
}

/**
 * Parses `/proc/PID/cgroup` (`ID:controllers:path` lines; the path may hold
 * colons).
 *
 * @example
 * ```ts
 * import { parseCgroup } from "./parse.ts";
 * const [entry] = parseCgroup("0::/system.slice/app.scope\n");
 * console.assert(entry?.hierarchy === 0 && entry.path === "/system.slice/app.scope");
 * ```
 */
export function parseCgroup(text: string): CgroupEntry[] {
  const entries: CgroupEntry[] = [];
  for (const line of text.split("\n")) {
    const first = line.indexOf(":");
    const second = line.indexOf(":", first + 1);
    if (first < 1 || second < 0) continue;
    const hierarchy = Number(line.slice(0, first));
    if (!Number.isSafeInteger(hierarchy)) continue;
    const controllers = line.slice(first + 1, second);
    entries.push({
      hierarchy,
      controllers: controllers === "" ? [] : controllers.split(","),
      path: line.slice(second + 1),
    });
  }
  return entries;
}

/** One socket of `/proc/PID/net/unix`. */
export interface UnixSocketEntry {
  /** The socket's inode number, as in the `socket:[INODE]` targets of `/proc/PID/fd/`. */
  readonly inode: number;
  /** Whether the socket listens (flag `__SO_ACCEPTCON`). */
  readonly listening: boolean;
  /** Whether it is a stream socket (`SOCK_STREAM`). */
  readonly stream: boolean;
  /**
   * The bound address: a path in the owning process's mount namespace, an
   * abstract name starting with `@`, or "" for an unbound socket. Spaces are
   * kept; the kernel shows a trailing ` (deleted)` nowhere here, but a path
   * may legitimately end with it, so it is kept as well.
   */
  readonly path: string;
}

/** `__SO_ACCEPTCON` in the `Flags` column: the socket listens. */
const ACCEPTING = 0x10000;
/** `SOCK_STREAM` in the `Type` column. */
const SOCK_STREAM = 1;

/**
 * Parses `/proc/PID/net/unix`: a header line, then per socket
 * `Num RefCount Protocol Flags Type St Inode [Path]`, columns padded with
 * runs of spaces; the path is everything after the seventh column's
 * separating space, so paths with spaces survive. Malformed lines are
 * skipped.
 *
 * @example
 * ```ts
 * import { parseNetUnix } from "./parse.ts";
 * const [socket] = parseNetUnix(
 *   "Num       RefCount Protocol Flags    Type St Inode Path\n" +
 *     "0000000000000000: 00000002 00000000 00010000 0001 01 31337 /run/my engine.sock\n",
 * );
 * console.assert(socket?.listening && socket.inode === 31337 && socket.path === "/run/my engine.sock");
 * ```
 */
export function parseNetUnix(text: string): UnixSocketEntry[] {
  const sockets: UnixSocketEntry[] = [];
  for (const line of text.split("\n")) {
    const match = /^\s*[0-9A-Fa-f]+:\s+[0-9A-Fa-f]+\s+[0-9A-Fa-f]+\s+([0-9A-Fa-f]+)\s+([0-9A-Fa-f]+)\s+[0-9A-Fa-f]+\s+(\d+)(?: (.*))?$/
      .exec(line);
    if (match === null) continue;
    const inode = Number(match[3]);
    if (!Number.isSafeInteger(inode)) continue;
    sockets.push({
      inode,
      listening: (parseInt(match[1]!, 16) & ACCEPTING) !== 0,
      stream: parseInt(match[2]!, 16) === SOCK_STREAM,
      path: match[4] ?? "",
    });
  }
  return sockets;
}

/**
 * The inode of a `/proc/PID/fd/N` symlink target of the form `socket:[INODE]`,
 * else `undefined` (files, pipes, anonymous inodes).
 *
 * @example
 * ```ts
 * import { socketInode } from "./parse.ts";
 * console.assert(socketInode("socket:[31337]") === 31337 && socketInode("/dev/null") === undefined);
 * ```
 */
export function socketInode(target: string): number | undefined {
  const match = /^socket:\[(\d+)\]$/.exec(target);
  if (match === null) return undefined;
  const inode = Number(match[1]);
  return Number.isSafeInteger(inode) ? inode : undefined;
}
