/**
 * Private engines that a test may stop and start again: a dockerd started
 * with `--live-restore` (on its own containerd), a plain containerd, a
 * containerd with its CRI plugin, a containerd alone, and a podman API service (its containers
 * outlive it: conmon), in a temporary directory of their own — never the
 * shared engines of the test
 * runner, which other suites use at the same time.
 *
 * Starting reuses the infra helper's starters (`scripts/engines/*.mjs`);
 * restarting reads the daemon's command line and environment from `/proc`
 * and runs it again (podman finds its private configuration through both).
 * The directory is named `/tmp/ww-e-<pid>-…` like the runner's, so that a
 * later `npm test` reaps it if this process dies before {@linkcode PrivateEngines.stop}.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CriClient } from "../../engines/cri/mod.ts";
import { ctr, docker } from "./engines.ts";

/** The starters of `scripts/engines/`, typed for what is used here (they are plain .mjs). */
interface EngineScripts {
  startDockerd(dir: string, options: { rootfs: string; image: string }): Promise<{ host: string; socket: string }>;
  startContainerd(dir: string): Promise<{ socket: string; pidFile: string; logFile: string }>;
  startCri(dir: string, options: { rootfs: string }): Promise<{ socket: string; pidFile: string; logFile: string }>;
  teardownCri(dir: string): Promise<void>;
  startPodman(dir: string, options: { rootfs: string; image: string }): Promise<{ host: string; socket: string }>;
  cleanup(dir: string): Promise<void>;
}

async function engineScripts(): Promise<EngineScripts> {
  const load = (name: string): Promise<Record<string, unknown>> =>
    import(new URL(`../../scripts/engines/${name}.mjs`, import.meta.url).href) as Promise<Record<string, unknown>>;
  const [dockerd, containerd, cri, podman, cleanup] = await Promise.all(
    [load("dockerd"), load("containerd"), load("cri"), load("podman"), load("cleanup")],
  );
  return {
    startDockerd: dockerd.startDockerd as EngineScripts["startDockerd"],
    startContainerd: containerd.startContainerd as EngineScripts["startContainerd"],
    startCri: cri.startCri as EngineScripts["startCri"],
    teardownCri: cri.teardownCri as EngineScripts["teardownCri"],
    startPodman: podman.startPodman as EngineScripts["startPodman"],
    cleanup: cleanup.cleanup as EngineScripts["cleanup"],
  };
}

/** Whether a process exists and is not a zombie. */
export function processAlive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

async function until(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await Promise.resolve().then(probe).catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`restartable engines: ${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** One daemon that can be stopped and started again with the same command line. */
export class RestartableDaemon {
  /** For messages: `dockerd`, `containerd` or `podman`. */
  readonly name: string;
  readonly #pidFile: string;
  readonly #logFile: string;
  readonly #ready: () => Promise<boolean>;
  #command: string[] | undefined;
  #env: Record<string, string> | undefined;

  constructor(name: string, pidFile: string, logFile: string, ready: () => Promise<boolean>) {
    this.name = name;
    this.#pidFile = pidFile;
    this.#logFile = logFile;
    this.#ready = ready;
  }

  /** The daemon's current PID (0 when stopped). */
  get pid(): number {
    const pid = Number.parseInt(readFileSync(this.#pidFile, "utf8"), 10);
    return Number.isInteger(pid) && processAlive(pid) ? pid : 0;
  }

  /** Stops the daemon with SIGTERM and waits until it is gone (containers survive: live-restore / shims). */
  async stop(): Promise<void> {
    const pid = this.pid;
    if (pid === 0) return;
    this.#command = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
    this.#env = Object.fromEntries(
      readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").filter(Boolean).map((entry) => {
        const at = entry.indexOf("=");
        return [entry.slice(0, at), entry.slice(at + 1)];
      }),
    );
    process.kill(pid, "SIGTERM");
    await until(`${this.name} (pid ${pid}) did not exit after SIGTERM`, () => !processAlive(pid));
  }

  /** Starts the daemon again with the command line and environment it had, and waits until it answers. */
  async start(): Promise<void> {
    const [file, ...args] = this.#command ?? [];
    if (file === undefined) throw new Error(`${this.name} was not stopped by stop(): unknown command line`);
    const log = openSync(this.#logFile, "a");
    const child = spawn(file, args, { detached: true, stdio: ["ignore", log, log], ...(this.#env ? { env: this.#env } : {}) });
    closeSync(log);
    child.unref();
    if (child.pid === undefined) throw new Error(`cannot spawn ${file}`);
    writeFileSync(this.#pidFile, `${child.pid}\n`);
    await until(`${this.name} did not answer after its restart (log ${this.#logFile})`, this.#ready);
  }
}

/** A private dockerd (with `--live-restore`), a private containerd and a private podman service. */
export interface PrivateEngines {
  /** The directory everything lives in. */
  readonly dir: string;
  /** The dockerd's host URL, `unix://…/docker.sock`. */
  readonly dockerHost: string;
  /** The dockerd. */
  readonly dockerd: RestartableDaemon;
  /** The plain containerd's socket path. */
  readonly containerdSocket: string;
  /** The plain containerd. */
  readonly containerd: RestartableDaemon;
  /** The podman service's Docker API host URL, `unix://…/podman.sock`. */
  readonly podmanHost: string;
  /** The podman service. */
  readonly podman: RestartableDaemon;
  /** Stops every daemon and container and removes the directory. */
  stop(): Promise<void>;
}

/**
 * Starts a private dockerd and podman (image `image` imported from `rootfs`
 * into each) and a private containerd. Root only, like the runner's engines.
 */
export async function startPrivateEngines(rootfs: string, image: string): Promise<PrivateEngines> {
  const scripts = await engineScripts();
  const dir = mkdtempSync(`/tmp/ww-e-${process.pid}-`);
  try {
    const [dockerd, containerd, podman] = await Promise.all([
      scripts.startDockerd(join(dir, "docker"), { rootfs, image }),
      scripts.startContainerd(join(dir, "containerd")),
      scripts.startPodman(join(dir, "podman"), { rootfs, image }),
    ]);
    return {
      dir,
      dockerHost: dockerd.host,
      dockerd: new RestartableDaemon(
        "dockerd",
        join(dir, "docker", "dockerd.pid"),
        join(dir, "docker", "dockerd.log"),
        async () => (await docker(dockerd.host, "version", "--format", "{{.Server.Version}}")).code === 0,
      ),
      containerdSocket: containerd.socket,
      containerd: new RestartableDaemon(
        "containerd",
        containerd.pidFile,
        containerd.logFile,
        async () => (await ctr(containerd.socket, "--timeout", "2s", "version")).code === 0,
      ),
      podmanHost: podman.host,
      podman: new RestartableDaemon(
        "podman",
        join(dir, "podman", "podman.pid"),
        join(dir, "podman", "podman.log"),
        async () => (await docker(podman.host, "version", "--format", "{{.Server.Version}}")).code === 0,
      ),
      stop: () => scripts.cleanup(dir),
    };
  } catch (error) {
    await scripts.cleanup(dir);
    throw error;
  }
}

/** A private containerd with its CRI plugin. */
export interface PrivateCri {
  /** The directory everything lives in. */
  readonly dir: string;
  /** Its socket (CRI and containerd's own API). */
  readonly socket: string;
  /** The containerd. */
  readonly containerd: RestartableDaemon;
  /** Tears its pods down through CRI, stops it and removes the directory. */
  stop(): Promise<void>;
}

/** Starts a private CRI containerd (sandbox image built from `rootfs`). Root only, like the runner's. */
export async function startPrivateCri(rootfs: string): Promise<PrivateCri> {
  const scripts = await engineScripts();
  const dir = mkdtempSync(`/tmp/ww-e-${process.pid}-`);
  const criDir = join(dir, "cri");
  const stop = async (): Promise<void> => {
    await scripts.teardownCri(criDir);
    await scripts.cleanup(dir);
  };
  try {
    const cri = await scripts.startCri(criDir, { rootfs });
    // The CRI plugin answers "server is not initialized yet" for a while after containerd does: ask CRI itself.
    const ready = async (): Promise<boolean> => {
      const client = new CriClient({ socket: cri.socket, requestTimeoutMs: 2_000 });
      try {
        return (await client.version()) !== "";
      } finally {
        await client.close();
      }
    };
    return { dir, socket: cri.socket, containerd: new RestartableDaemon("CRI containerd", cri.pidFile, cri.logFile, ready), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A private plain containerd. */
export interface PrivateContainerd {
  /** The directory everything lives in. */
  readonly dir: string;
  /** Its socket. */
  readonly socket: string;
  /** The containerd. */
  readonly containerd: RestartableDaemon;
  /** Stops it and every container of it, and removes the directory. */
  stop(): Promise<void>;
}

/** Starts a private plain containerd (no CRI plugin) in a directory of its own. Root only, like the runner's. */
export async function startPrivateContainerd(): Promise<PrivateContainerd> {
  const scripts = await engineScripts();
  const dir = mkdtempSync(`/tmp/ww-e-${process.pid}-`);
  try {
    const started = await scripts.startContainerd(join(dir, "containerd"));
    const ready = async (): Promise<boolean> => (await ctr(started.socket, "--timeout", "2s", "version")).code === 0;
    return {
      dir,
      socket: started.socket,
      containerd: new RestartableDaemon("containerd", started.pidFile, started.logFile, ready),
      stop: () => scripts.cleanup(dir),
    };
  } catch (error) {
    await scripts.cleanup(dir);
    throw error;
  }
}
