/**
 * The CLI loads only what a command needs: `--help` loads the argument
 * handling and no engine client, transport or npm dependency, `--version`
 * only the version; a run against Docker never loads the gRPC stack (and on
 * Node never undici's index or fetch), one against containerd never loads
 * the HTTP transport or undici. Checked on the module list of the CLI
 * child (tests/support/module-log.ts), not on timing.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { runtime } from "../../lib/runtime.ts";
import { NODE_TS_FLAGS, ROOT, startChild } from "../support/child.ts";
import { containerdEngine, dockerEngine } from "../support/engines.ts";

const PRELOAD = join(ROOT, "tests", "support", "module-log.ts");
const scratch = mkdtempSync(join(tmpdir(), "ww-module-log-"));
let runs = 0;

/** Runs cli/bin.ts with `args` and resolves the repository-relative files of the modules it loaded. */
async function loadedBy(args: readonly string[]): Promise<string[]> {
  const log = join(scratch, `run-${runs++}.txt`);
  const bin = join(ROOT, "cli", "bin.ts");
  const command = runtime === "bun"
    ? [process.execPath, "--preload", PRELOAD, bin, ...args]
    : [process.execPath, ...NODE_TS_FLAGS, "--import", PRELOAD, bin, ...args];
  const result = await startChild(command, { env: { WW_MODULE_LOG: log }, timeoutMs: 60_000 }).exited;
  assert.equal(result.code, 0, result.stderr);
  return readFileSync(log, "utf8").split("\n").filter((f) => f.startsWith(ROOT)).map((f) => f.slice(ROOT.length));
}

const ofPackage = (name: string) => (file: string): boolean => file.startsWith(`node_modules/${name}/`);
const DEPENDENCY = (file: string): boolean => file.startsWith("node_modules/") && !file.startsWith("node_modules/tsx/") &&
  !file.startsWith("node_modules/esbuild/") && !file.startsWith("node_modules/get-tsconfig/") &&
  !file.startsWith("node_modules/resolve-pkg-maps/"); // tsx's loader and what it loads on Node 22
const GRPC = (file: string): boolean =>
  ofPackage("@connectrpc/connect")(file) || ofPackage("@connectrpc/connect-node")(file) ||
  ofPackage("@bufbuild/protobuf")(file) || file.startsWith("lib/transport/grpc");
const HTTP = (file: string): boolean => ofPackage("undici")(file) || file === "lib/transport/http.ts";
const ENGINE_CLIENT = (file: string): boolean => /^engines\/[^/]+\/client\.ts$/.test(file);

const skip = runtime === "deno"
  ? "SKIPPED: Deno has no module load hook nor module cache to list a child's modules; checked under Node and Bun"
  : undefined;
const dockerHost = dockerEngine();
const containerd = containerdEngine();

describe("the CLI loads only what the command needs", { skip }, () => {
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it("--help loads no engine client, transport, watcher or npm dependency", async () => {
    const files = await loadedBy(["--help"]);
    assert.ok(files.includes("cli/main.ts"), `the list holds the CLI's own modules: ${files.join(", ")}`);
    const unwanted = files.filter((f) => DEPENDENCY(f) || GRPC(f) || HTTP(f) || ENGINE_CLIENT(f) || f === "lib/watcher.ts");
    assert.deepEqual(unwanted, []);
  });

  it("--version alone loads the version and not even the argument handling", async () => {
    const files = await loadedBy(["--version"]);
    assert.ok(files.includes("cli/version.ts"), `the list holds the CLI's own modules: ${files.join(", ")}`);
    assert.deepEqual(files.filter((f) => f !== "cli/bin.ts" && f !== "cli/version.ts" && f.startsWith("cli/")), []);
    assert.deepEqual(files.filter((f) => f.startsWith("engines/") || f.startsWith("lib/") || DEPENDENCY(f)), []);
  });

  it("--json against Docker loads the Docker client and never the gRPC stack", { skip: dockerHost.skip }, async () => {
    const files = await loadedBy(["--json", "--engine", "docker", "--docker-host", dockerHost.endpoint!]);
    assert.ok(files.includes("engines/docker/client.ts") && files.includes("lib/transport/http.ts"));
    if (runtime === "node") {
      assert.ok(files.some(ofPackage("undici")), "Node's HTTP goes through undici");
      // Its Agent and request from their own files: never the index (fetch, WebSocket, cache, mocks).
      assert.deepEqual(files.filter((f) => f === "node_modules/undici/index.js" || f.startsWith("node_modules/undici/lib/web/")), []);
    }
    else assert.ok(!files.some(ofPackage("undici")), "undici only on Node");
    assert.deepEqual(files.filter((f) => GRPC(f) || f === "engines/containerd/client.ts" || f === "engines/cri/client.ts"), []);
  });

  it("--json against containerd loads the containerd client and never the HTTP transport or undici", { skip: containerd.skip }, async () => {
    const files = await loadedBy(["--json", "--engine", "containerd", "--containerd", containerd.endpoint!]);
    assert.ok(files.includes("engines/containerd/client.ts") && files.some(ofPackage("@connectrpc/connect")));
    assert.deepEqual(files.filter((f) => HTTP(f) || f === "engines/docker/client.ts" || f === "engines/cri/client.ts"), []);
  });
});
