// Tears down everything that runs from or is mounted under an engines directory, also after a run
// that was killed (stale pidfiles, orphaned shims, conmon and container processes, leftover mounts).
import fs from "node:fs";
import path from "node:path";
import { alive, log, run, sleep } from "./util.mjs";

/** Our daemons' pidfiles, in stop order (engines before the containerds they use). */
const PIDFILES = ["docker/dockerd.pid", "podman/podman.pid", "docker/containerd/containerd.pid", "containerd/containerd.pid"];

function readPid(file) {
  try {
    const pid = Number.parseInt(fs.readFileSync(file, "utf8"), 10);
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function signal(pid, sig) {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

const unescapeMount = (m) => m.replace(/\\(\d{3})/g, (_, o) => String.fromCharCode(Number.parseInt(o, 8)));

/** Parsed mountinfo lines: {root (path inside its filesystem), point (mount point)}. */
function mountinfo(pid) {
  return fs
    .readFileSync(`/proc/${pid}/mountinfo`, "utf8")
    .split("\n")
    .map((l) => l.split(" "))
    .filter((f) => f.length > 5)
    .map((f) => ({ root: unescapeMount(f[3]), point: unescapeMount(f[4]) }));
}

/**
 * dir as a path inside its filesystem (what a container's root mount shows as its mount root in its own
 * mount namespace, where /proc/PID/root just reads "/").
 */
function pathInFilesystem(dir) {
  const own = mountinfo("self").filter((m) => m.point === "/" || dir === m.point || dir.startsWith(m.point + "/"));
  const m = own.reduce((a, b) => (b.point.length >= a.point.length ? b : a));
  return path.join(m.root, dir.slice(m.point === "/" ? 0 : m.point.length));
}

/** Whether a process's root mount is a directory under dir (a container of ours, even orphaned). */
function rootedIn(pid, fsDir) {
  try {
    const roots = mountinfo(pid).filter((m) => m.point === "/");
    const root = roots[roots.length - 1]?.root ?? "";
    return root === fsDir || root.startsWith(fsDir + "/");
  } catch {
    return false;
  }
}

/**
 * The programs an engine set runs (as /proc/PID/stat names them, cut to 15 characters): daemons, shims,
 * conmon and the OCI runtimes. With `engineProcessesOnly`, only these count when they name the directory.
 */
const ENGINE_PROGRAMS = new Set([
  "dockerd",
  "containerd",
  "containerd-shim",
  "podman",
  "conmon",
  "runc",
  "crun",
  "docker-proxy",
  "docker-init",
  "catatonit",
]);

/** pid → {ppid, comm, cmdline} for every visible process except ourselves. */
function processTable() {
  const table = new Map();
  for (const name of fs.readdirSync("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
      table.set(pid, { ppid, comm, cmdline });
    } catch {
      // process ended while we looked
    }
  }
  return table;
}

/**
 * Processes that mention dir on their command line or live in a root under dir, plus all their descendants.
 * With engineProcessesOnly, a command line naming dir counts only for an engine program (ENGINE_PROGRAMS):
 * a user's `whalewatcher --watch --docker-host unix://dir/…` or shell in dir is not ours to end.
 * Returns {pids, containerCgroups} (the cgroup directories of the container processes, to remove once empty).
 */
function processesOf(dir, engineProcessesOnly) {
  const table = processTable();
  // never ourselves' ancestors (a shell whose command line happens to name dir)
  const ancestors = new Set();
  for (let pid = process.ppid; table.has(pid) && !ancestors.has(pid); pid = table.get(pid).ppid) ancestors.add(pid);
  for (const pid of ancestors) table.delete(pid);
  const fsDir = pathInFilesystem(dir);
  const found = new Set();
  const containerCgroups = new Set();
  for (const [pid, p] of table) {
    if (p.cmdline.includes(dir + "/") && (!engineProcessesOnly || ENGINE_PROGRAMS.has(p.comm))) found.add(pid);
    else if (rootedIn(pid, fsDir)) {
      found.add(pid);
      for (const cg of cgroupsOf(pid)) cg.dirs.forEach((d) => containerCgroups.add(d));
    }
  }
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, p] of table) {
      if (!found.has(pid) && found.has(p.ppid)) {
        found.add(pid);
        grew = true;
      }
    }
  }
  return { pids: [...found], containerCgroups };
}

/** The process's cgroups other than the root one: [{controllers, cgPath, dirs}] (dirs: where it lives in /sys). */
function cgroupsOf(pid) {
  let text = "";
  try {
    text = fs.readFileSync(`/proc/${pid}/cgroup`, "utf8");
  } catch {
    return [];
  }
  const list = [];
  for (const line of text.split("\n")) {
    const [, controllers, cgPath] = line.split(":");
    if (cgPath === undefined || cgPath === "/") continue;
    const hierarchies =
      controllers === "" ? [""] : controllers.split(",").map((c) => `/${c.replace(/^name=/, "")}`);
    list.push({ controllers, cgPath, dirs: hierarchies.map((h) => `/sys/fs/cgroup${h}${cgPath}`) });
  }
  return list;
}

/**
 * Thaws the process's freezer cgroup: a paused container's processes only die from SIGKILL once thawed.
 * The cgroup is the container's own, so nothing else is thawed.
 */
function thaw(pid) {
  for (const { controllers, cgPath } of cgroupsOf(pid)) {
    const target =
      controllers === "freezer"
        ? [`/sys/fs/cgroup/freezer${cgPath}/freezer.state`, "THAWED"]
        : controllers === ""
          ? [`/sys/fs/cgroup${cgPath}/cgroup.freeze`, "0"]
          : undefined;
    if (!target) continue;
    try {
      fs.writeFileSync(target[0], target[1]);
    } catch {
      // not frozen / no such controller here
    }
  }
}

/** Host-wide runc state roots used by containerd shims (per namespace) and by podman. */
function runcStateRoots() {
  const roots = ["/run/runc"];
  try {
    for (const ns of fs.readdirSync("/run/containerd/runc")) roots.push(path.join("/run/containerd/runc", ns));
  } catch {
    // no containerd runc state here
  }
  return roots;
}

/**
 * Removes runc state left behind by killed shims/conmons (state dirs whose container rootfs is under dir):
 * otherwise a later run reusing the ID gets "container with given ID already exists".
 */
function removeStaleRuncState(dir) {
  for (const root of runcStateRoots()) {
    let ids = [];
    try {
      ids = fs.readdirSync(root);
    } catch {
      continue;
    }
    for (const id of ids) {
      try {
        const state = JSON.parse(fs.readFileSync(path.join(root, id, "state.json"), "utf8"));
        const rootfs = String(state?.config?.rootfs ?? "");
        if (rootfs.startsWith(dir + "/") && !alive(Number(state.init_process_pid))) {
          fs.rmSync(path.join(root, id), { recursive: true, force: true });
        }
      } catch {
        // not a runc state dir, or not ours
      }
    }
  }
}

/** Mount points at or below dir, deepest first. */
function mountsUnder(dir) {
  const points = fs
    .readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[4])
    .filter((m) => m !== undefined)
    .map(unescapeMount)
    .filter((m) => m === dir || m.startsWith(dir + "/"));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/**
 * Stops our daemons, kills leftovers, unmounts and removes dir. Idempotent; never throws for "already gone".
 * `engineProcessesOnly`: leftovers are only engine programs naming dir and processes rooted under dir (and
 * their descendants), never another program that mentions dir (the sandbox, where users point tools at it).
 */
export async function cleanup(dir, { engineProcessesOnly = false } = {}) {
  dir = path.resolve(dir);
  if (dir === "/" || dir.split("/").length < 3) throw new Error(`refusing to clean up ${dir}`);
  for (const rel of PIDFILES) {
    const pid = readPid(path.join(dir, rel));
    if (pid === undefined || !alive(pid)) continue;
    signal(pid, "SIGTERM");
    const deadline = Date.now() + 10000;
    while (alive(pid) && Date.now() < deadline) await sleep(100);
    if (alive(pid)) {
      log(`${rel}: pid ${pid} ignored SIGTERM for 10s, killing`);
      signal(pid, "SIGKILL");
    }
  }
  const cgroupDirs = new Set();
  for (let round = 0; round < 10; round++) {
    const { pids: left, containerCgroups } = processesOf(dir, engineProcessesOnly);
    containerCgroups.forEach((d) => cgroupDirs.add(d));
    if (left.length === 0) break;
    if (round === 0) {
      // after a graceful daemon stop, what is left are containers the tests did not remove (and their shims)
      const table = processTable();
      const what = left.map((pid) => `  ${pid} ${(table.get(pid)?.cmdline ?? "?").slice(0, 160)}`).join("\n");
      log(`killing ${left.length} leftover process(es) of ${dir}:\n${what}`);
    }
    for (const pid of left) signal(pid, "SIGKILL");
    for (const pid of left) thaw(pid);
    await sleep(200);
  }
  for (const d of cgroupDirs) {
    try {
      fs.rmdirSync(d); // only succeeds when empty, i.e. only our dead containers' cgroups go
    } catch {
      // still in use, or already removed by its engine
    }
  }
  removeStaleRuncState(dir);
  for (const m of mountsUnder(dir)) {
    const r = run("umount", ["-l", m]);
    if (r.code !== 0) log(`umount -l ${m}: ${r.stderr.trim()}`);
  }
  fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}
