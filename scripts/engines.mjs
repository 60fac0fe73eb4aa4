#!/usr/bin/env node
// Starts / stops a private set of container engines for the test suites, all under one directory.
//
//   node scripts/engines.mjs start [--dir D]   prints `export WW_TEST_...=` lines, writes D/env.json
//   node scripts/engines.mjs stop  [--dir D]   stops everything started from D, unmounts, removes D
//
// Default D: /tmp/ww-engines. Plain Node ESM, no npm dependencies (runs before `npm ci`).
// As root, installs missing Debian packages first (docker.io containerd runc busybox-static podman docker-compose).
//
// Layout under D and what was verified by hand on Debian 12 (docker.io 20.10.24, containerd 1.6.20,
// podman 4.3.1, docker-compose 1.29.2, runc 1.1.5, cgroup v1, root without CAP_SYS_RESOURCE):
//   D/rootfs                busybox-static + applet symlinks in /bin, /etc/passwd, /etc/group.
//                           `ctr --address A run -d --rootfs D/rootfs ID /bin/sleep 100` works; ctr sets no PATH
//                           with --rootfs, so use absolute paths (or `--env PATH=/bin`).
//   D/containerd            plain containerd (`containerd --config D/containerd/config.toml`, the config sets
//                           root, state, grpc+ttrpc address; CRI and useless snapshotters disabled; opt plugin
//                           path under D). Shim sockets still go to /run/containerd/s/<hash(address,…)>
//                           (hard-coded in containerd 1.6) — unique per address, so no collision.
//   D/docker/containerd     a SECOND private containerd just for dockerd (`--containerd` given explicitly:
//                           otherwise dockerd 20.10 silently uses a host containerd at /run/containerd if one runs).
//   D/docker                dockerd --data-root/--exec-root/-H/--pidfile under D, --iptables=false
//                           --ip6tables=false --bridge=none --storage-driver=vfs --live-restore, empty
//                           --config-file. `docker -H unix://D/docker/docker.sock run -d --network none
//                           ww-busybox sleep 100` works; image imported with `docker import --change 'CMD ["sh"]'`.
//   D/podman                `podman --root --runroot --storage-driver vfs --cgroup-manager cgroupfs system service
//                           --time=0 unix://D/podman/podman.sock`, CONTAINERS_CONF / CONTAINERS_STORAGE_CONF
//                           point at private files (default_ulimits nofile/nproc — required here, else runc fails
//                           with "operation not permitted" on setrlimit; netns "none"; events_logger file into
//                           D/podman/events.log; tmp_dir + file locks under D, so no /run/libpod, no /dev/shm lock).
//                           The Docker CLI works against it: `docker -H unix://D/podman/podman.sock run -d
//                           --network none ww-busybox sleep 100` (image is localhost/ww-busybox:latest; the short
//                           name resolves).
//   docker-compose v1:      `DOCKER_HOST=unix://… docker-compose -p P up -d` (or `-H unix://…`) with a
//                           `version: "2.4"` file and `network_mode: none` services works against both dockerd
//                           and podman, including `pause`.
//   stop:                   SIGTERM to the daemons (dockerd first; --live-restore makes it exit at once), then
//                           SIGKILL to every process naming D on its command line (shims, conmon) or whose root
//                           mount lies under D (containers, also orphaned ones), thawing paused containers' freezer
//                           cgroups (frozen tasks ignore SIGKILL), removing their empty cgroups and their stale runc
//                           state in /run/runc and /run/containerd/runc/<ns>, then `umount -l` and rm -rf D.
//   Timing here: start ~1.5 s (all packages present), stop ~0.5 s.
//
// Engines that fail to start are reported loudly and left out of env.json; the suites then skip with the reason
// given in WW_TEST_ENGINE_ERRORS (install problems in WW_TEST_INSTALL_PROBLEMS). scripts/test.mjs folds both into
// its result: on CI or as root they fail the run (scripts/engines/engine-report.mjs).
import path from "node:path";
import { startEngines, stopEngines } from "./engines/set.mjs";
import { log, loud } from "./engines/util.mjs";

function parseArgs(argv) {
  const [command, ...rest] = argv;
  let dir = "/tmp/ww-engines";
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === "--dir" && rest[i + 1]) dir = rest[++i];
    else if (rest[i].startsWith("--dir=")) dir = rest[i].slice(6);
    else throw new Error(`unknown argument ${rest[i]}`);
  }
  if (command !== "start" && command !== "stop") throw new Error("usage: engines.mjs start|stop [--dir D]");
  return { command, dir: path.resolve(dir) };
}

try {
  const { command, dir } = parseArgs(process.argv.slice(2));
  if (command === "start") {
    const env = await startEngines(dir);
    for (const [k, v] of Object.entries(env)) process.stdout.write(`export ${k}='${v.replaceAll("'", "'\\''")}'\n`);
  } else {
    await stopEngines(dir);
    log(`stopped and removed ${dir}`);
  }
} catch (e) {
  loud(String(e?.stack ?? e));
  process.exitCode = 1;
}
