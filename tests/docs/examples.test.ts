/**
 * The public API's documentation: every symbol that mod.ts and testing.ts
 * export has an example that runs, and each example runs, as written, on this
 * runtime against real engines at their default sockets. The examples run in
 * a private mount namespace (root only) whose /run is a tmpfs holding the
 * private engines' sockets at the default paths: /run/docker.sock (also
 * /var/run/docker.sock), /run/containerd/containerd.sock,
 * /run/podman/podman.sock and /run/crio/crio.sock (the CRI plugin of the
 * test CRI containerd), so that `new DockerClient()` finds a dockerd without
 * the host's /run being touched.
 *
 * @module
 */
import assert from "node:assert/strict";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, test, type TestContext } from "node:test";
import { pathToFileURL } from "node:url";
import { runtime } from "../../lib/runtime.ts";
import { ROOT, runChild, runtimeCommand } from "../support/child.ts";
import { type DenoDocJson, exampleModule, exportedSymbols } from "../support/doc-examples.ts";
import { containerdEngine, criEngine, dockerEngine, engineSkip, type EngineLookup, podmanEngine } from "../support/engines.ts";

const ROOT_URL = pathToFileURL(ROOT).href;
const DENO = runtime === "deno" ? process.execPath : path.join(ROOT, "node_modules/.bin/deno");

async function docJson(): Promise<DenoDocJson> {
  const result = await runChild([DENO, "doc", "--json", "mod.ts", "testing.ts"], { timeoutMs: 120_000, env: { NO_COLOR: "1" } });
  assert.equal(result.code, 0, `deno doc --json failed:\n${result.stderr.slice(-2000)}`);
  return JSON.parse(result.stdout) as DenoDocJson;
}

const symbols = exportedSymbols(await docJson(), ROOT_URL);

/** Where the examples find each private engine, by default path inside the namespace. */
function defaultSockets(): { mounts: Array<[string, string]>; skip: string | undefined } {
  const engines: Array<[string, EngineLookup, string]> = [
    ["docker", dockerEngine(), "/run/docker.sock"],
    ["podman", podmanEngine(), "/run/podman/podman.sock"],
    ["containerd", containerdEngine(), "/run/containerd/containerd.sock"],
    ["cri", criEngine(), "/run/crio/crio.sock"],
  ];
  const mounts: Array<[string, string]> = [];
  for (const [name, found, at] of engines) {
    const skip = engineSkip(name as "docker", found, process.getuid?.() !== 0 && "needs root for a private mount namespace holding the default sockets");
    if (skip !== undefined) return { mounts, skip };
    mounts.push([found.endpoint!.replace(/^unix:\/\//, ""), at]);
  }
  return { mounts, skip: undefined };
}

/** The shell script that builds the namespace's /run and then runs the command given as its arguments. */
function namespaceScript(mounts: ReadonlyArray<[string, string]>): string {
  const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  const steps = ["mount -t tmpfs whalewatcher-examples /run"];
  for (const [from, to] of mounts) {
    steps.push(`mkdir -p ${q(path.dirname(to))}`, `touch ${q(to)}`, `mount --bind ${q(from)} ${q(to)}`);
  }
  return `set -e; ${steps.join("; ")}; exec "$@"`;
}

const { mounts, skip } = defaultSockets();

describe("documentation examples", () => {
  test("entry points export symbols (deno doc read them)", () => {
    assert.ok(symbols.length > 50, `only ${symbols.length} symbols read from deno doc`);
    assert.ok(symbols.some((s) => s.entry === "testing.ts"), "testing.ts was read");
  });

  test("deno doc --lint finds nothing: every public type is exported and documented (what JSR checks)", async () => {
    const result = await runChild([DENO, "doc", "--lint", "mod.ts", "testing.ts"], { timeoutMs: 120_000, env: { NO_COLOR: "1" } });
    const problems = result.stderr.split("\n").filter((line) => line.startsWith("error"));
    assert.equal(result.code, 0, problems.join("\n") || result.stderr.slice(-2000));
  });

  test("every exported symbol has an example that runs (a ts block not marked ignore)", () => {
    const missing = symbols.filter((s) => s.examples.length === 0).map((s) => `${s.entry} ${s.name} (${s.where})`);
    assert.deepEqual(missing, []);
  });

  test("every example runs as written against engines at the default sockets", { skip }, async (t) => {
    const dir = path.join(ROOT, ".tmp", `doc-examples-${runtime}-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    try {
      await runExamples(t, dir, mounts);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Writes every example as a module under `dir`, runs them all in one child, and reports each as a subtest. */
async function runExamples(t: TestContext, dir: string, mounts: ReadonlyArray<[string, string]>): Promise<void> {
  const examples = symbols.flatMap((s) => s.examples);
  const files = examples.map((example, i) => {
    const file = path.join(dir, `${String(i).padStart(3, "0")}.ts`);
    writeFileSync(file, exampleModule(example, ROOT_URL));
    return file;
  });
  const command = ["unshare", "-m", "--propagation", "private", "sh", "-c", namespaceScript(mounts), "sh",
    ...runtimeCommand(path.join(ROOT, "tests/docs/run-examples.ts")), ...files];
  const result = await runChild(command, {
    timeoutMs: 600_000,
    env: { NO_COLOR: "1", DOCKER_CONFIG: path.join(dir, "no-docker-config") },
    unsetEnv: ["DOCKER_HOST", "DOCKER_CONTEXT", "CONTAINERD_ADDRESS", "CONTAINER_RUNTIME_ENDPOINT"],
  });
  const outcomes = new Map<string, { ok: boolean; error?: string }>();
  for (const line of result.stdout.split("\n")) {
    if (!line.startsWith("@@example ")) continue;
    const { file, ...outcome } = JSON.parse(line.slice("@@example ".length)) as { file: string; ok: boolean; error?: string };
    outcomes.set(file, outcome);
  }
  for (const [i, example] of examples.entries()) {
    await t.test(`${example.id} (${example.where})`, () => {
      const outcome = outcomes.get(path.basename(files[i]!));
      assert.ok(outcome !== undefined, `the example did not report; the runner's stderr:\n${result.stderr.slice(-3000)}`);
      assert.ok(outcome.ok, outcome.error);
    });
  }
  assert.equal(result.timedOut, false, "the example runner did not exit by itself (an example left a handle open)");
  assert.equal(result.code, 0, `the example runner failed:\n${result.stderr.slice(-3000)}`);
}
