// Installs the Debian packages the engine suites need, only those that are missing.
import { log, loud, run, which } from "./util.mjs";

/** Debian package → a file it installs (presence means installed). */
const PACKAGES = {
  "docker.io": "/usr/sbin/dockerd",
  containerd: "/usr/bin/containerd",
  runc: "/usr/sbin/runc",
  "busybox-static": "/bin/busybox",
  podman: "/usr/bin/podman",
  "docker-compose": "/usr/bin/docker-compose",
};

function installed(pkg) {
  const r = run("dpkg-query", ["-W", "--showformat=${Status}", pkg]);
  return r.code === 0 && r.stdout.includes("install ok installed");
}

/**
 * Installs missing packages via apt-get as root. Returns a list of problems (empty when all is there);
 * never throws, so that engines which can run still start.
 */
export function ensurePackages() {
  const missing = Object.keys(PACKAGES).filter((p) => !installed(p));
  if (missing.length === 0) return [];
  if (process.getuid?.() !== 0) {
    const msg = `NOT installing missing packages (${missing.join(" ")}): not running as root`;
    loud(msg);
    return [msg];
  }
  if (!which("apt-get")) {
    const msg = `NOT installing missing packages (${missing.join(" ")}): no apt-get on this machine`;
    loud(msg);
    return [msg];
  }
  log(`installing via apt-get: ${missing.join(" ")}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  // apt's progress goes to stderr: stdout carries only the `export` lines (for `eval "$(… start)"`)
  const opts = { env, stdio: ["ignore", 2, 2] };
  const upd = run("apt-get", ["update"], opts);
  if (upd.code !== 0) log(`apt-get update exited ${upd.code}; trying the install anyway`);
  const inst = run("apt-get", ["install", "-y", ...missing], opts);
  const still = Object.keys(PACKAGES).filter((p) => !installed(p));
  if (inst.code !== 0 || still.length > 0) {
    const msg = `apt-get install failed (exit ${inst.code}); still missing: ${still.join(" ") || "(none)"}`;
    loud(msg);
    return [msg];
  }
  return [];
}
