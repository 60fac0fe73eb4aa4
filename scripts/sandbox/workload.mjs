// The sandbox's demo workload: a compose project "demo" (web, db paused) and a standalone "lonely" on
// dockerd, a standalone "pod-lonely" on podman, "sandbox-ctd-<hash of the directory>" on containerd.
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { must } from "../engines/util.mjs";

/**
 * The containerd container's ID. containerd keeps runc's state per namespace in one host-wide directory
 * (/run/containerd/runc/default), so sandboxes side by side need different IDs.
 */
export function containerdDemoId(dir) {
  return `sandbox-ctd-${createHash("sha256").update(dir).digest("hex").slice(0, 6)}`;
}

/** Starts the workload on the engines of `env` (the WW_TEST_* variables); throws when a step fails. */
export function startWorkload(dir, env) {
  const image = env.WW_TEST_IMAGE;
  const project = path.join(dir, "demo-project");
  fs.mkdirSync(project, { recursive: true });
  const file = path.join(project, "docker-compose.yaml");
  fs.writeFileSync(
    file,
    `version: "2.4"\nservices:\n` +
      ["web", "db"].map((s) => `  ${s}:\n    image: ${image}\n    command: ["sleep", "1000000"]\n    network_mode: none\n`)
        .join(""),
  );
  const compose = ["-H", env.WW_TEST_DOCKER_HOST, "-p", "demo", "-f", file];
  must("docker-compose", [...compose, "up", "-d"]);
  must("docker-compose", [...compose, "pause", "db"]);
  const run = ["run", "-d", "--network", "none"];
  must("docker", ["-H", env.WW_TEST_DOCKER_HOST, ...run, "--name", "lonely", image, "sleep", "1000000"]);
  if (env.WW_TEST_PODMAN_HOST) {
    must("docker", ["-H", env.WW_TEST_PODMAN_HOST, ...run, "--name", "pod-lonely", image, "sleep", "1000000"]);
  }
  must("ctr", ["-a", env.WW_TEST_CONTAINERD, "run", "-d", "--rootfs", env.WW_TEST_ROOTFS, containerdDemoId(dir), "/bin/sleep", "1000000"]);
}
