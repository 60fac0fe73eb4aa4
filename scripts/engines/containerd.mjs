// A private containerd instance: its own root, state, sockets and config, nothing under /run/containerd
// except the shim sockets (containerd 1.6 hard-codes /run/containerd/s/<hash of address>, so no collision).
import fs from "node:fs";
import path from "node:path";
import { containerdConfigToml } from "./containerd-config.mjs";
import { log, run, startDaemon, waitUntil } from "./util.mjs";

/** Plugins never needed here: CRI (costly, wants CNI), and snapshotters that only log errors on this host. */
const DISABLED_PLUGINS = [
  "io.containerd.grpc.v1.cri",
  "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.zfs",
  "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing",
];

/** Paths of a containerd instance living in dir. */
export function containerdPaths(dir) {
  return {
    dir,
    socket: path.join(dir, "containerd.sock"),
    config: path.join(dir, "config.toml"),
    logFile: path.join(dir, "containerd.log"),
    pidFile: path.join(dir, "containerd.pid"),
  };
}

/** Starts containerd in dir and waits until `ctr version` answers; returns its paths. */
export async function startContainerd(dir) {
  const p = containerdPaths(dir);
  fs.mkdirSync(dir, { recursive: true });
  const toml = containerdConfigToml(dir, p.socket, DISABLED_PLUGINS);
  fs.writeFileSync(p.config, toml);
  const pid = startDaemon("containerd", ["--config", p.config], p);
  log(`containerd ${dir} started, pid ${pid}`);
  await waitUntil(
    `containerd (${dir})`,
    () => run("ctr", ["--address", p.socket, "--timeout", "2s", "version"]).code === 0,
    { pid, logFile: p.logFile, timeoutMs: 30000 },
  );
  return p;
}
