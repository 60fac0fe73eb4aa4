// A private containerd with its CRI plugin, for the CRI client's real-engine tests. Everything lives under
// one directory: root, state, sockets, config, runc root, CNI dirs, and the sandbox image built from the
// busybox rootfs and imported from an OCI layout (no registry, no network).
//
// What it takes here (containerd 1.6.20, runc 1.1.5, root without CAP_SYS_RESOURCE, cgroup v1):
//   restrict_oom_score_adj = true    otherwise runc fails to lower oom_score_adj
//   snapshotter "native"             no overlay on the test dir's filesystem needed
//   stream_server_port "0"           several instances (one per test helper) must not share port 10010
//   CNI bin/conf dirs under D        empty: the tests run host-network pods only, CNI is never called
//   runc Root under D                runc's state stays out of /run/containerd/runc
// Pods must be torn down through CRI before containerd stops (teardownCri); `engines.mjs stop` does it.
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { containerdConfigToml } from "./containerd-config.mjs";
import { alive, log, must, run, sleep, startDaemon, waitUntil } from "./util.mjs";

/** The sandbox ("pause") image name the CRI plugin is configured with; also the tests' container image. */
export const CRI_SANDBOX_IMAGE = "docker.io/library/ww-pause:1";

/** Plugins this instance does not need. */
const DISABLED_PLUGINS = [
  "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.overlayfs",
  "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing",
];

/** Paths of the CRI containerd living in dir. */
export function criPaths(dir) {
  return {
    dir,
    socket: path.join(dir, "cri.sock"),
    config: path.join(dir, "config.toml"),
    logFile: path.join(dir, "containerd.log"),
    pidFile: path.join(dir, "containerd.pid"),
  };
}

/** Writes an OCI image layout of the rootfs (one layer, `sleep` as its command) and returns its tar. */
function buildSandboxImage(dir, rootfs) {
  const layout = path.join(dir, "image");
  const blobs = path.join(layout, "blobs", "sha256");
  fs.rmSync(layout, { recursive: true, force: true });
  fs.mkdirSync(blobs, { recursive: true });
  const sha256 = (file) => must("sha256sum", [file]).stdout.split(" ")[0];
  const addBlob = (file) => {
    const digest = sha256(file);
    fs.renameSync(file, path.join(blobs, digest));
    return { digest: `sha256:${digest}`, size: fs.statSync(path.join(blobs, digest)).size };
  };
  const layerTar = path.join(dir, "layer.tar");
  must("tar", ["--numeric-owner", "-C", rootfs, "-cf", layerTar, "."]);
  const diffId = `sha256:${sha256(layerTar)}`;
  const layer = addBlob(layerTar); // uncompressed layer
  const configFile = path.join(dir, "config.json");
  fs.writeFileSync(configFile, JSON.stringify({
    architecture: process.arch === "arm64" ? "arm64" : "amd64",
    os: "linux",
    config: { Env: ["PATH=/bin"], Cmd: ["/bin/sleep", "2147483647"] },
    rootfs: { type: "layers", diff_ids: [diffId] },
  }));
  const config = addBlob(configFile);
  const manifestFile = path.join(dir, "manifest.json");
  fs.writeFileSync(manifestFile, JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
    layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", ...layer }],
  }));
  const manifest = addBlob(manifestFile);
  fs.writeFileSync(path.join(layout, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  fs.writeFileSync(path.join(layout, "index.json"), JSON.stringify({
    schemaVersion: 2,
    manifests: [{
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      ...manifest,
      annotations: { "io.containerd.image.name": CRI_SANDBOX_IMAGE, "org.opencontainers.image.ref.name": "1" },
    }],
  }));
  const tar = path.join(dir, "image.tar");
  must("tar", ["-C", layout, "-cf", tar, "."]);
  fs.rmSync(layout, { recursive: true, force: true });
  return tar;
}

/** Starts containerd with CRI in dir, imports the sandbox image, waits until CRI is up; returns its paths. */
export async function startCri(dir, { rootfs }) {
  const p = criPaths(dir);
  fs.mkdirSync(dir, { recursive: true });
  for (const d of ["cni/bin", "cni/conf", "runc", "logs"]) fs.mkdirSync(path.join(dir, d), { recursive: true });
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  const toml = `${containerdConfigToml(dir, p.socket, DISABLED_PLUGINS)}[${cri}]
  sandbox_image = ${JSON.stringify(CRI_SANDBOX_IMAGE)}
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  disable_apparmor = true
[${cri}.containerd]
  snapshotter = "native"
  default_runtime_name = "runc"
[${cri}.containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"
[${cri}.containerd.runtimes.runc.options]
  Root = ${JSON.stringify(path.join(dir, "runc"))}
  SystemdCgroup = false
[${cri}.cni]
  bin_dir = ${JSON.stringify(path.join(dir, "cni/bin"))}
  conf_dir = ${JSON.stringify(path.join(dir, "cni/conf"))}
`;
  fs.writeFileSync(p.config, toml);
  const pid = startDaemon("containerd", ["--config", p.config], p);
  log(`CRI containerd ${dir} started, pid ${pid}`);
  await waitUntil(
    `CRI containerd (${dir})`,
    () => {
      const plugins = run("ctr", ["--address", p.socket, "--timeout", "2s", "plugins", "ls"]);
      return plugins.code === 0 && /io\.containerd\.grpc\.v1\s+cri\s+\S+\s+ok/.test(plugins.stdout);
    },
    { pid, logFile: p.logFile, timeoutMs: 30000 },
  );
  const tar = buildSandboxImage(dir, rootfs);
  must("ctr", ["--address", p.socket, "-n", "k8s.io", "images", "import", "--no-unpack", tar]);
  fs.rmSync(tar, { force: true });
  return p;
}

/**
 * Stops and removes every pod of the CRI containerd in dir through CRI (tests/cri/teardown.ts, which
 * needs node_modules), then stops containerd. What is left behind is for cleanup.mjs.
 */
export async function teardownCri(dir) {
  const p = criPaths(dir);
  let pid;
  try {
    pid = Number.parseInt(fs.readFileSync(p.pidFile, "utf8"), 10);
  } catch {
    return;
  }
  const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
  const tsx = path.join(root, "node_modules", ".bin", "tsx");
  if (alive(pid) && fs.existsSync(p.socket) && fs.existsSync(tsx)) {
    const r = spawnSync(tsx, [path.join(root, "tests", "cri", "teardown.ts"), p.socket], { encoding: "utf8", timeout: 60000 });
    if (r.status !== 0) log(`CRI teardown in ${dir} failed: ${(r.stderr || r.error?.message || "").trim().split("\n")[0]}`);
  }
  if (!alive(pid)) return;
  process.kill(pid, "SIGTERM");
  for (let i = 0; i < 50 && alive(pid); i++) await sleep(100);
}
