// A private dockerd on its own containerd (started beside it, so that dockerd never picks up a host
// containerd at /run/containerd/containerd.sock and never collides with the plain test containerd).
import fs from "node:fs";
import path from "node:path";
import { startContainerd } from "./containerd.mjs";
import { getUnix, log, must, startDaemon, waitUntil } from "./util.mjs";

/** Starts containerd + dockerd under dir, imports the rootfs as image; returns {host, socket}. */
export async function startDockerd(dir, { rootfs, image }) {
  const ctd = await startContainerd(path.join(dir, "containerd"));
  fs.mkdirSync(dir, { recursive: true });
  const socket = path.join(dir, "docker.sock");
  const logFile = path.join(dir, "dockerd.log");
  const pidFile = path.join(dir, "dockerd.pid");
  const args = [
    "--data-root", path.join(dir, "data"),
    "--exec-root", path.join(dir, "exec"),
    "-H", `unix://${socket}`,
    "--pidfile", path.join(dir, "dockerd.self.pid"),
    "--containerd", ctd.socket,
    "--iptables=false",
    "--ip6tables=false",
    "--ip-forward=false",
    "--ip-masq=false",
    "--bridge=none",
    "--storage-driver=vfs",
    "--live-restore",
    "--userland-proxy=false",
    "--log-level=warn",
    // no config file from the host (/etc/docker/daemon.json) may change this daemon
    "--config-file", path.join(dir, "daemon.json"),
  ];
  fs.writeFileSync(path.join(dir, "daemon.json"), "{}\n");
  const pid = startDaemon("dockerd", args, { logFile, pidFile });
  log(`dockerd started, pid ${pid}`);
  await waitUntil("dockerd", async () => (await getUnix(socket, "/_ping")).status === 200, { pid, logFile, timeoutMs: 60000 });
  const host = `unix://${socket}`;
  importImage(["docker", "-H", host], rootfs, image);
  return { host, socket };
}

/** `tar -C rootfs -c . | <cli> import - image` with a default command. */
export function importImage(cli, rootfs, image, env = process.env) {
  const tar = must("tar", ["-C", rootfs, "-c", "."], { encoding: "buffer" }).stdout;
  must(cli[0], [...cli.slice(1), "import", "--change", 'CMD ["sh"]', "-", image], { input: tar, env });
}
