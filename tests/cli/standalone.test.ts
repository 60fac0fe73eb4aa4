/**
 * The standalone executable (`npm run compile:bun`): one `whalewatcher` file
 * that runs without Node or a checkout, built here into a scratch directory
 * and run against the private engines. Built once, under Node: the binary
 * does not depend on the runtime running the tests.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { PictureJson } from "../../cli/json.ts";
import { VERSION } from "../../cli/version.ts";
import { runtime } from "../../lib/runtime.ts";
import { ROOT, startChild } from "../support/child.ts";
import { containerdEngine, docker, dockerEngine, testImage, uniqueName } from "../support/engines.ts";

const skip = runtime === "node"
  ? undefined
  : `SKIPPED: the standalone binary does not depend on the test runtime; built and run once under Node, not under ${runtime}`;
const dockerHost = dockerEngine();
const containerd = containerdEngine();
const TIMEOUT = 180_000;

describe("standalone executable (bun build --compile)", { skip }, () => {
  const scratch = mkdtempSync(join(tmpdir(), "ww-standalone-"));
  const binary = join(scratch, "whalewatcher");
  const names: string[] = [];

  before(async () => {
    await new Promise<void>((resolve, reject) => {
      execFile(process.execPath, [join(ROOT, "scripts", "compile.mjs"), "bun", scratch], { cwd: ROOT }, (error, _out, err) => {
        if (error) reject(new Error(`${error.message}\n${err}`));
        else resolve();
      });
    });
  }, { timeout: TIMEOUT });
  after(async () => {
    if (dockerHost.endpoint) for (const name of names) await docker(dockerHost.endpoint, "rm", "-f", name);
    rmSync(scratch, { recursive: true, force: true });
  });

  /** Runs the binary from the scratch directory, with no runtime on PATH. */
  const run = (args: readonly string[]) =>
    startChild([binary, ...args], { cwd: scratch, env: { PATH: "/usr/bin:/bin" }, timeoutMs: 60_000 }).exited;

  it("is one executable file that prints its version", async () => {
    assert.ok(statSync(binary).isFile() && (statSync(binary).mode & 0o111) !== 0);
    const result = await run(["--version"]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `whalewatcher ${VERSION}\n`);
  });

  it("--json shows a container started on the private dockerd, with its PID", { skip: dockerHost.skip, timeout: TIMEOUT }, async () => {
    const name = uniqueName("standalone");
    names.push(name);
    const started = await docker(dockerHost.endpoint!, "run", "-d", "--network", "none", "--name", name, testImage(), "sleep", "300");
    assert.equal(started.code, 0, started.stderr);
    const result = await run(["--json", "--engine", "docker", "--docker-host", dockerHost.endpoint!]);
    assert.equal(result.code, 0, result.stderr);
    const picture = JSON.parse(result.stdout) as PictureJson;
    assert.equal(picture.engines[0]!.type, "docker.com");
    const found = picture.engines[0]!.containers.find((c) => c.name === name);
    assert.ok(found !== undefined && typeof found.pid === "number" && found.pid > 0, result.stdout);
  });

  it("--json reads the private containerd over gRPC", { skip: containerd.skip, timeout: TIMEOUT }, async () => {
    const result = await run(["--json", "--engine", "containerd", "--containerd", containerd.endpoint!]);
    assert.equal(result.code, 0, result.stderr);
    const picture = JSON.parse(result.stdout) as PictureJson;
    assert.equal(picture.engines[0]!.type, "containerd.io");
    assert.ok(Array.isArray(picture.engines[0]!.containers));
  });
});
