// The private engine set under one directory: start every engine (reporting the ones that fail), stop them all.
// Shared by scripts/engines.mjs (the tests) and scripts/sandbox.mjs (with engineProcessesOnly cleanup).
import fs from "node:fs";
import path from "node:path";
import { cleanup } from "./cleanup.mjs";
import { startContainerd } from "./containerd.mjs";
import { startCri, teardownCri } from "./cri.mjs";
import { startDockerd } from "./dockerd.mjs";
import { ensurePackages } from "./install.mjs";
import { startPodman } from "./podman.mjs";
import { buildRootfs } from "./rootfs.mjs";
import { log, loud } from "./util.mjs";

/** Image name imported into dockerd and podman. */
const IMAGE = "ww-busybox:latest";


/** Times one engine's start; returns its result or records its failure. */
async function attempt(name, errors, fn) {
  const t0 = Date.now();
  try {
    const r = await fn();
    log(`${name} ready in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    return r;
  } catch (e) {
    errors[name] = String(e?.message ?? e);
    loud(`${name} FAILED to start — its tests will be SKIPPED:\n${errors[name]}`);
    return undefined;
  }
}

/**
 * Starts every engine under dir (after clearing what an earlier run left there) and returns the `WW_TEST_*`
 * variables, also written to dir/env.json. `cleanupOptions` go to cleanup() (see there).
 */
export async function startEngines(dir, cleanupOptions = {}) {
  await teardownCri(path.join(dir, "cri"));
  await cleanup(dir, cleanupOptions);
  fs.mkdirSync(dir, { recursive: true });
  const errors = {};
  const problems = ensurePackages();
  const env = {};
  const rootfs = await attempt("rootfs", errors, () => buildRootfs(path.join(dir, "rootfs")));
  if (rootfs) {
    env.WW_TEST_ROOTFS = rootfs;
    env.WW_TEST_IMAGE = IMAGE;
    const ctd = await attempt("containerd", errors, () => startContainerd(path.join(dir, "containerd")));
    if (ctd) env.WW_TEST_CONTAINERD = ctd.socket;
    const docker = await attempt("docker", errors, () => startDockerd(path.join(dir, "docker"), { rootfs, image: IMAGE }));
    if (docker) env.WW_TEST_DOCKER_HOST = docker.host;
    const podman = await attempt("podman", errors, () => startPodman(path.join(dir, "podman"), { rootfs, image: IMAGE }));
    if (podman) env.WW_TEST_PODMAN_HOST = podman.host;
    const cri = await attempt("cri", errors, () => startCri(path.join(dir, "cri"), { rootfs }));
    if (cri) env.WW_TEST_CRI = cri.socket;
  } else {
    for (const name of ["containerd", "docker", "podman", "cri"]) errors[name] = `no busybox rootfs: ${errors.rootfs}`;
  }
  if (problems.length > 0) {
    for (const name of ["containerd", "docker", "podman", "cri"]) if (errors[name]) errors[name] += ` (${problems.join("; ")})`;
  }
  if (Object.keys(errors).length > 0) env.WW_TEST_ENGINE_ERRORS = JSON.stringify(errors);
  // a failed install fails a CI run even where the engines that were already there did start
  if (problems.length > 0) env.WW_TEST_INSTALL_PROBLEMS = JSON.stringify(problems);
  fs.writeFileSync(path.join(dir, "env.json"), JSON.stringify(env, null, 2) + "\n");

  const row = (name, key) => `  ${name.padEnd(11)} ${env[key] ? `OK      ${env[key]}` : `MISSING ${(errors[name] ?? "").split("\n")[0]}`}`;
  process.stderr.write(
    `[engines] summary (${dir}):\n${row("docker", "WW_TEST_DOCKER_HOST")}\n${row("podman", "WW_TEST_PODMAN_HOST")}\n` +
      `${row("containerd", "WW_TEST_CONTAINERD")}\n${row("cri", "WW_TEST_CRI")}\n${row("rootfs", "WW_TEST_ROOTFS")}\n`,
  );
  return env;
}

/** Stops everything started under dir and removes it; `cleanupOptions` go to cleanup(). */
export async function stopEngines(dir, cleanupOptions = {}) {
  await teardownCri(path.join(dir, "cri")); // pods through CRI first, while its containerd still runs
  await cleanup(dir, cleanupOptions);
}

