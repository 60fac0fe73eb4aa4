/**
 * Test support for suites that need real container engines.
 *
 * `scripts/test.mjs` (via `scripts/engines.mjs start`) starts a private dockerd, a podman Docker-API service
 * and a containerd, and passes their endpoints in `WW_TEST_*` env vars. The getters here return an endpoint
 * or, when it is absent, a skip reason to hand to `describe(name, { skip }, ...)`, so that engine suites skip
 * loudly instead of passing silently. Put `{ skip }` on each `it`/`test`, not on `describe`: bun hides skipped
 * describe blocks completely (not even counted as skipped). The CLI wrappers use node:child_process, which Node, Deno and Bun share.
 *
 * @module
 */
import { execFile } from "node:child_process";
import { appendFileSync, existsSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { runtime } from "../../lib/runtime.ts";

/** Env var with the private dockerd's Docker API endpoint, e.g. `unix:///tmp/ww-engines/docker/docker.sock`. */
export const DOCKER_HOST_VAR = "WW_TEST_DOCKER_HOST";
/** Env var with podman's Docker API endpoint, e.g. `unix:///tmp/ww-engines/podman/podman.sock`. */
export const PODMAN_HOST_VAR = "WW_TEST_PODMAN_HOST";
/** Env var with the private containerd's socket path, e.g. `/tmp/ww-engines/containerd/containerd.sock`. */
export const CONTAINERD_VAR = "WW_TEST_CONTAINERD";
/** The CRI socket of the private containerd with its CRI plugin. */
export const CRI_VAR = "WW_TEST_CRI";
/** Env var with the busybox image name imported into dockerd and podman. */
export const IMAGE_VAR = "WW_TEST_IMAGE";
/** Env var with the busybox rootfs directory for `ctr run --rootfs`. */
export const ROOTFS_VAR = "WW_TEST_ROOTFS";
/** Env var with a JSON object {engine: why it did not start}, set by the engines script on failures. */
export const ENGINE_ERRORS_VAR = "WW_TEST_ENGINE_ERRORS";
/**
 * Env var with a file that every engine lookup appends one NDJSON line to (`{engine, file, endpoint?, skip?}`),
 * set per runtime by `scripts/test.mjs`: the runner counts the tests that ran against each engine from it
 * and, on CI or as root, fails the run when any engine suite skipped.
 */
export const ENGINE_LOG_VAR = "WW_TEST_ENGINE_LOG";

/** An engine endpoint, or why there is none (a skip reason for `describe`/`it`). */
export type EngineLookup =
  | { readonly endpoint: string; readonly skip: undefined }
  | { readonly endpoint: undefined; readonly skip: string };

/** Result of one CLI invocation; `code` is the exit code (non-zero also when the process was killed). */
export interface CliResult {
  /** Standard output, untrimmed. */
  readonly stdout: string;
  /** Standard error, untrimmed. */
  readonly stderr: string;
  /** Exit code. */
  readonly code: number;
}

/** The engines the test runner can start. */
export type EngineName = "docker" | "podman" | "containerd" | "cri";

const ENDPOINT_VARS: Record<EngineName, string> = {
  docker: DOCKER_HOST_VAR,
  podman: PODMAN_HOST_VAR,
  containerd: CONTAINERD_VAR,
  cri: CRI_VAR,
};

function envVar(name: string, env: Record<string, string | undefined> = process.env): string | undefined {
  const value = env[name];
  return value === undefined || value === "" ? undefined : value;
}

/**
 * An engine's endpoint from an environment (pure; the getters below use process.env and also report a
 * missing engine on stderr). The skip reason names the start error when the engines script recorded one.
 */
export function engineFromEnv(engine: EngineName, env: Record<string, string | undefined>): EngineLookup {
  const varName = ENDPOINT_VARS[engine];
  const endpoint = envVar(varName, env);
  if (endpoint !== undefined) return { endpoint, skip: undefined };
  let why: string | undefined;
  try {
    const errors = JSON.parse(envVar(ENGINE_ERRORS_VAR, env) ?? "{}") as Record<string, unknown>;
    if (typeof errors[engine] === "string") why = errors[engine].split("\n")[0];
  } catch {
    // unreadable error record: fall back to the generic reason
  }
  const skip = why !== undefined
    ? `SKIPPED: ${engine} did not start: ${why}`
    : `SKIPPED: ${varName} is not set; run \`npm test\` (starts private engines) or ` +
      `\`eval "$(node scripts/engines.mjs start)"\` first`;
  return { endpoint: undefined, skip };
}

/** Engines whose absence was already reported on stderr (once per test process). */
const warned = new Set<EngineName>();

/** The repository root (this file is tests/support/engines.ts), with a trailing slash. */
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * The test file (relative to the repository root) that is calling, read from the stack: the first
 * `*.test.ts` frame, else the first frame outside this module. Node, Deno and Bun all put paths or
 * file URLs with `:line:column` in their frames.
 */
export function callerFile(stack: string = new Error().stack ?? ""): string | undefined {
  const files: string[] = [];
  for (const m of stack.matchAll(/(?:file:\/\/)?(\/[^\s()]+?\.[cm]?[jt]s)(?::\d+)+/g)) {
    const file = decodeURI(m[1]!);
    files.push(file.startsWith(ROOT) ? file.slice(ROOT.length) : file);
  }
  const outside = files.filter((f) => f !== "tests/support/engines.ts");
  return outside.find((f) => f.endsWith(".test.ts")) ?? outside[0];
}

/**
 * Records that the calling test file asked for an engine (and whether it got one) in the runner's engine
 * log; a no-op outside the runner. Suites that decide to skip an engine for a reason of their own (no root
 * for a private daemon, no rootfs) call it with that reason, so that CI sees the skip.
 */
export function recordEngineUse(engine: EngineName, found: EngineLookup, file: string | undefined = callerFile()): void {
  const log = envVar(ENGINE_LOG_VAR);
  if (log === undefined) return;
  const line = JSON.stringify({ engine, file, endpoint: found.endpoint, skip: found.skip });
  appendFileSync(log, `${line}\n`);
}

/**
 * An engine suite's skip reason for a further precondition (e.g. root for private daemons): `why` when
 * `missing`, else the engine's own lookup skip; recorded like a lookup, so CI fails on it.
 */
export function engineSkip(engine: EngineName, found: EngineLookup, missing: string | false | undefined): string | undefined {
  if (found.skip !== undefined || !missing) return found.skip;
  const skip = missing.startsWith("SKIPPED") ? missing : `SKIPPED: ${engine}: ${missing}`;
  recordEngineUse(engine, { endpoint: undefined, skip });
  return skip;
}

function lookup(engine: EngineName): EngineLookup {
  const found = engineFromEnv(engine, process.env);
  if (found.skip !== undefined && !warned.has(engine)) {
    warned.add(engine);
    console.warn(`[tests/support/engines] ${found.skip}`);
  }
  recordEngineUse(engine, found);
  return found;
}

/** The private dockerd's Docker API endpoint (`unix://…`), or a skip reason. */
export function dockerEngine(): EngineLookup {
  return lookup("docker");
}

/** podman's Docker API endpoint (`unix://…`), or a skip reason. Drive it with {@link docker} (the Docker CLI). */
export function podmanEngine(): EngineLookup {
  return lookup("podman");
}

/** The engines that serve the Docker API, as `[label, lookup, engine type the client reports]`. */
export function dockerApiEngines(): Array<[string, EngineLookup, string]> {
  return [
    ["dockerd", dockerEngine(), "docker.com"],
    ["podman", podmanEngine(), "podman.io"],
  ];
}

/** The gRPC methods a read-only containerd client may call. */
export const READ_ONLY_GRPC_METHODS: ReadonlySet<string> = new Set([
  "containerd.services.namespaces.v1.Namespaces/List",
  "containerd.services.containers.v1.Containers/List",
  "containerd.services.containers.v1.Containers/Get",
  "containerd.services.tasks.v1.Tasks/List",
  "containerd.services.tasks.v1.Tasks/Get",
  "containerd.services.events.v1.Events/Subscribe",
  "containerd.services.version.v1.Version/Version",
  "containerd.services.introspection.v1.Introspection/Server",
]);

/** The gRPC methods a read-only CRI client may call. */
export const READ_ONLY_CRI_METHODS: ReadonlySet<string> = new Set([
  "runtime.v1.RuntimeService/Version",
  "runtime.v1.RuntimeService/ListContainers",
  "runtime.v1.RuntimeService/ListPodSandbox",
  "runtime.v1.RuntimeService/ContainerStatus",
  "runtime.v1.RuntimeService/PodSandboxStatus",
  "runtime.v1.RuntimeService/GetContainerEvents",
]);

/** The private containerd's socket path (no scheme), or a skip reason. */
export function containerdEngine(): EngineLookup {
  return lookup("containerd");
}

/** The busybox image imported into dockerd and podman (has a default `CMD ["sh"]`). */
export function testImage(): string {
  return envVar(IMAGE_VAR) ?? "ww-busybox:latest";
}

/**
 * The busybox rootfs directory for `ctr run --rootfs`, or undefined. Note: `ctr run --rootfs` sets no PATH,
 * so give commands with absolute paths (`/bin/sleep`) or pass `--env PATH=/bin`.
 */
export function testRootfs(): string | undefined {
  return envVar(ROOTFS_VAR);
}

/**
 * The skip of a test that runs containers from the test rootfs on `engine`: the engine's own skip, else a
 * missing rootfs, else (with `privateEngine`, for a test that starts an engine of its own) a missing root.
 * Recorded like every engine skip, so that CI fails on it.
 */
export function rootfsSkip(engine: EngineName, found: EngineLookup, privateEngine?: string): string | undefined {
  const missing = testRootfs() === undefined
    ? `${ROOTFS_VAR} is not set`
    : privateEngine !== undefined && process.getuid?.() !== 0
    ? `${privateEngine} needs root`
    : undefined;
  return engineSkip(engine, found, missing);
}

/** Names containers, projects and namespaces so that the Node, Deno and Bun suites never collide. */
export function uniqueName(prefix: string): string {
  const clean = prefix.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "") || "ww";
  return `${clean}-${runtime}-${randomBytes(4).toString("hex")}`;
}

/** Default time limit for one CLI call; engines on a busy 2-core machine can be slow, never this slow. */
const CLI_TIMEOUT_MS = 120_000;

/** The Docker CLI shipped with the daemon (Debian docker.io), falling back to whatever `docker` is on PATH. */
const DOCKER_CLI = existsSync("/usr/bin/docker") ? "/usr/bin/docker" : "docker";

/** Environment for CLI calls: without DOCKER_* settings that could redirect them to another engine. */
function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_CLI_HINTS: "false", ...extra };
  for (const key of ["DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH"]) delete env[key];
  if (extra.DOCKER_HOST === undefined) delete env.DOCKER_HOST;
  return env;
}

/** Runs a command to completion; never rejects (a missing binary gives code 127). */
export function runCli(
  file: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      [...args],
      {
        cwd: options.cwd,
        env: options.env ?? cliEnv(),
        timeout: options.timeoutMs ?? CLI_TIMEOUT_MS,
        killSignal: "SIGKILL",
        maxBuffer: 64 << 20,
        encoding: "utf8",
      },
      (error, stdout, stderr) => {
        let code = 0;
        if (error) {
          const errCode = (error as { code?: unknown }).code;
          code = typeof errCode === "number" ? errCode : errCode === "ENOENT" ? 127 : 1;
          if (code === 127 && !stderr) stderr = `${file}: ${error.message}`;
          if (error.killed) stderr += `\n${file} killed after ${options.timeoutMs ?? CLI_TIMEOUT_MS} ms`;
        }
        resolve({ stdout: String(stdout), stderr: String(stderr), code });
      },
    );
  });
}

/** `docker -H host ...args` — works against the private dockerd and against podman's Docker API. */
export function docker(host: string, ...args: string[]): Promise<CliResult> {
  return runCli(DOCKER_CLI, ["-H", host, ...args]);
}

/** The Docker CLI with its config (and so its context store) in `configDir`; no `-H`. */
export function dockerWithConfig(configDir: string, ...args: string[]): Promise<CliResult> {
  return runCli(DOCKER_CLI, args, { env: cliEnv({ DOCKER_CONFIG: configDir }) });
}

/**
 * `ctr --address socket ...args`. Global flags such as `-n NAMESPACE` go first in args:
 * `ctr(socket, "-n", ns, "run", "-d", "--rootfs", testRootfs(), id, "/bin/sleep", "100")`.
 */
export function ctr(socket: string, ...args: string[]): Promise<CliResult> {
  return runCli("ctr", ["--address", socket, ...args]);
}

/**
 * docker-compose (v1) against host, with projectDir as working and project directory:
 * `compose(host, dir, "-p", project, "up", "-d")`. Compose files should use `network_mode: none`.
 */
export function compose(host: string, projectDir: string, ...args: string[]): Promise<CliResult> {
  return runCli("docker-compose", ["--project-directory", projectDir, ...args], {
    cwd: projectDir,
    env: cliEnv({ DOCKER_HOST: host, COMPOSE_INTERACTIVE_NO_CLI: "1" }),
  });
}

/** Returns the trimmed stdout of a successful CLI result; throws with stderr otherwise. */
export function stdoutOf(result: CliResult, what = "command"): string {
  if (result.code !== 0) throw new Error(`${what} exited ${result.code}: ${result.stderr.trim() || result.stdout.trim()}`);
  return result.stdout.trim();
}

/**
 * Remembers what a suite created in the engines and removes it all in {@link EngineCleanup.run}
 * (call it from `after`, or `await using`). Removal is best effort and never throws, so that it can
 * run after failed tests; what could not be removed is returned.
 */
export class EngineCleanup {
  readonly #steps: Array<() => Promise<CliResult>> = [];

  /** Removes a Docker/podman container (by name or ID) with `docker rm -f -v`. */
  docker(host: string, nameOrId: string): void {
    this.#steps.push(() => docker(host, "rm", "-f", "-v", nameOrId));
  }

  /** Kills the task (if any) and removes a containerd container in a namespace. */
  containerd(socket: string, namespace: string, id: string): void {
    this.#steps.push(async () => {
      await ctr(socket, "-n", namespace, "task", "kill", "-s", "SIGKILL", id);
      await ctr(socket, "-n", namespace, "task", "delete", "-f", id);
      return ctr(socket, "-n", namespace, "containers", "rm", id);
    });
  }

  /** Takes a compose project down (`docker-compose -p project down -t 0 -v`). */
  compose(host: string, projectDir: string, project: string): void {
    this.#steps.push(() => compose(host, projectDir, "-p", project, "down", "-t", "0", "-v"));
  }

  /** Runs all removals, newest first; returns the messages of those that failed (and clears the list). */
  async run(): Promise<string[]> {
    const failures: string[] = [];
    for (const step of this.#steps.splice(0).reverse()) {
      const r = await step();
      if (r.code !== 0 && !/no such|not found|does not exist/i.test(r.stderr)) failures.push(r.stderr.trim());
    }
    return failures;
  }

  /** Same as {@link EngineCleanup.run}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.run();
  }
}

/**
 * `docker run --network none --name NAME [-d] IMAGE ...command` on `host` (dockerd or podman), the
 * container registered with `cleanup` before it is created, so that it is removed after a failed test
 * too. Returns the run's result (with `detach`: the ID on stdout; without: the command's exit code).
 */
export function runTestContainer(
  cleanup: EngineCleanup,
  host: string,
  name: string,
  command: readonly string[],
  options: { detach?: boolean } = {},
): Promise<CliResult> {
  cleanup.docker(host, name);
  return docker(host, "run", ...(options.detach ? ["-d"] : []), "--network", "none", "--name", name, testImage(), ...command);
}

/** The private CRI runtime's socket, or a skip reason. */
export function criEngine(): EngineLookup {
  return lookup("cri");
}
