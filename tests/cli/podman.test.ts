/**
 * `--engine podman` against the private podman: its own sockets through the engine registry (the rootless
 * one under `$XDG_RUNTIME_DIR` first, then the rootful one), `--podman-host`, and `--engine all` leaving
 * podman to the Docker kind unless it is given an address.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { EngineCleanup, podmanEngine, runTestContainer, uniqueName } from "../support/engines.ts";
import type { PictureJson } from "../../cli/json.ts";
import { parseArgs } from "../../cli/args.ts";
import { selectedKinds } from "../../cli/connect.ts";
import { runCli } from "./child.ts";

const podman = podmanEngine();
const skip = podman.skip;

describe("--engine podman", () => {
  const cleanup = new EngineCleanup();
  after(() => cleanup.run());

  it("shows podman at --podman-host, and at the rootless socket under $XDG_RUNTIME_DIR without one", { skip, timeout: 120_000 }, async () => {
    const host = podman.endpoint!;
    const name = uniqueName("cli-podman");
    const started = await runTestContainer(cleanup, host, name, ["sleep", "300"], { detach: true });
    assert.equal(started.code, 0, started.stderr);

    const given = await runCli(["--engine", "podman", "--podman-host", host, "--json"]);
    assert.equal(given.code, 0, given.stderr);
    const doc = JSON.parse(given.stdout) as PictureJson;
    assert.deepEqual(doc.engines.map((e) => [e.type, e.api]), [["podman.io", host]]);
    assert.ok(doc.engines[0]!.containers.some((c) => c.name === name));

    // The private socket is D/podman/podman.sock: with XDG_RUNTIME_DIR=D it is "this user's rootless podman".
    const runtimeDir = dirname(dirname(host.replace(/^unix:\/\//, "")));
    const rootless = await runCli(["--engine", "podman", "--json"], undefined, 60_000, { XDG_RUNTIME_DIR: runtimeDir });
    assert.equal(rootless.code, 0, rootless.stderr);
    assert.deepEqual((JSON.parse(rootless.stdout) as PictureJson).engines.map((e) => e.api), [host]);
  });

  it("without a rootless socket tries the rootful one and says how to start podman's service", { skip, timeout: 60_000 }, async (t) => {
    if (existsSync("/run/podman/podman.sock")) return t.skip("this host runs a rootful podman service");
    const run = await runCli(["--engine", "podman"], undefined, 60_000, { XDG_RUNTIME_DIR: "/nonexistent" });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /^  podman at unix:\/\/\/run\/podman\/podman\.sock: no podman engine at unix:\/\/\/run\/podman\/podman\.sock: socket not found; address from the default \(rootful podman: no rootless socket at \$XDG_RUNTIME_DIR\/podman\/podman\.sock\)$/m);
    assert.match(run.stderr, /^    hint: is podman's API service running \(rootless: systemctl --user start podman\.socket\)\?/m);
    assert.doesNotMatch(run.stderr, /Docker engine|DOCKER_HOST/, "a podman that is not there is not called Docker");
  });

  it("is opened by --engine all only when given --podman-host (the docker kind reaches podman otherwise)", () => {
    assert.deepEqual(selectedKinds(parseArgs([])).map((k) => k.name), ["docker", "containerd", "cri"]);
    assert.deepEqual(selectedKinds(parseArgs(["--podman-host", "unix:///p.sock"])).map((k) => k.name), ["docker", "podman", "containerd", "cri"]);
    assert.deepEqual(selectedKinds(parseArgs(["--engine", "podman"])).map((k) => k.name), ["podman"]);
  });
});
