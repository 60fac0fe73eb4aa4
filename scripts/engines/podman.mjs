// podman serving the Docker API from its own root/runroot, with private containers.conf and storage.conf
// (so nothing under /var/lib/containers, /run/containers or /run/libpod is touched).
import fs from "node:fs";
import path from "node:path";
import { importImage } from "./dockerd.mjs";
import { getUnix, log, startDaemon, waitUntil } from "./util.mjs";

/** Writes the private configuration under dir; returns {env, globalArgs} for podman invocations. */
export function podmanConfig(dir) {
  const root = path.join(dir, "root");
  const runroot = path.join(dir, "run");
  const tmp = path.join(dir, "tmp");
  for (const d of [root, runroot, tmp]) fs.mkdirSync(d, { recursive: true });
  const containersConf = path.join(dir, "containers.conf");
  const storageConf = path.join(dir, "storage.conf");
  const q = JSON.stringify;
  fs.writeFileSync(
    containersConf,
    `[containers]
# this host's root lacks CAP_SYS_RESOURCE: raising limits above the current ones fails
default_ulimits = ["nofile=20000:20000", "nproc=8192:8192"]
netns = "none"
[network]
network_config_dir = ${q(path.join(dir, "networks"))}
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = ${q(path.join(dir, "events.log"))}
tmp_dir = ${q(tmp)}
lock_type = "file"
volume_path = ${q(path.join(root, "volumes"))}
static_dir = ${q(path.join(root, "libpod"))}
`,
  );
  fs.writeFileSync(
    storageConf,
    `[storage]
driver = "vfs"
graphroot = ${q(root)}
runroot = ${q(runroot)}
`,
  );
  return {
    env: { ...process.env, CONTAINERS_CONF: containersConf, CONTAINERS_STORAGE_CONF: storageConf },
    globalArgs: ["--root", root, "--runroot", runroot, "--storage-driver", "vfs", "--cgroup-manager", "cgroupfs"],
  };
}

/** Imports the rootfs, starts `podman system service`, waits for /_ping; returns {host, socket}. */
export async function startPodman(dir, { rootfs, image }) {
  fs.mkdirSync(dir, { recursive: true });
  const { env, globalArgs } = podmanConfig(dir);
  const socket = path.join(dir, "podman.sock");
  const logFile = path.join(dir, "podman.log");
  const pidFile = path.join(dir, "podman.pid");
  importImage(["podman", ...globalArgs], rootfs, image, env);
  const pid = startDaemon("podman", [...globalArgs, "system", "service", "--time=0", `unix://${socket}`], { logFile, pidFile, env });
  log(`podman system service started, pid ${pid}`);
  await waitUntil("podman", async () => (await getUnix(socket, "/_ping")).status === 200, { pid, logFile, timeoutMs: 60000 });
  return { host: `unix://${socket}`, socket };
}
