/**
 * Exit codes and messages that need no engine: usage errors (64), --help,
 * --version, and unreachable sockets (2) naming each socket, why, and the fix.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { runCli } from "./child.ts";

const TIMEOUT = { timeout: 90_000 };

describe("CLI exit codes without engines", () => {
  it("--help prints the usage on stdout and exits 0", TIMEOUT, async () => {
    const run = await runCli(["--help"]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Usage: whalewatcher \[options\]/);
    assert.match(run.stdout, /--engine docker\|podman\|containerd\|cri\|all/);
  });

  it("--version prints the version and exits 0", TIMEOUT, async () => {
    const run = await runCli(["--version"]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^whalewatcher \d+\.\d+\.\d+\n$/);
  });

  it("a usage error exits 64 with the reason and the usage text on stderr", TIMEOUT, async () => {
    const run = await runCli(["--engine", "kubernetes"]);
    assert.equal(run.code, 64);
    assert.equal(run.stdout, "");
    assert.match(run.stderr, /--engine must be one of docker, podman, containerd, cri, all/);
    assert.match(run.stderr, /Usage: whalewatcher/);
  });

  it("unreachable sockets exit 2, listing each socket, why and how to fix", TIMEOUT, async () => {
    const docker = "/tmp/ww-cli-no-such-dir/docker.sock";
    const containerd = "/tmp/ww-cli-no-such-dir/containerd.sock";
    const run = await runCli(["--docker-host", `unix://${docker}`, "--containerd", containerd]);
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stdout, "");
    assert.match(run.stderr, /no container engine is reachable/);
    assert.match(run.stderr, new RegExp(`docker at unix://${docker}: no Docker engine at`));
    assert.match(run.stderr, new RegExp(`containerd at ${containerd}: no containerd at`));
    assert.match(run.stderr, /hint: /);
    assert.match(run.stderr, /--docker-host URL \(or DOCKER_HOST\)/);
  });

  it("one requested engine that is unreachable exits 2 even in watch mode", TIMEOUT, async () => {
    const run = await runCli(["--engine", "containerd", "--containerd", "/tmp/ww-cli-no-such-dir/c.sock", "--watch"]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /the containerd engine is not reachable/);
  });
});
