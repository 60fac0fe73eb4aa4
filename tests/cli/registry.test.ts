/**
 * The CLI is driven by the engine registry: every entry's flag is accepted and
 * documented, and an engine added to a copy of the table shows up in the
 * argument parsing, the usage text, the failure report and the engine opening
 * without any other change.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { defaultEndpointsText, ENGINE_REGISTRY, engineKind } from "../../engines/registry.ts";
import type { EngineKind, EngineRegistry } from "../../engines/registry.ts";
import { engineChoices, parseArgs, usage, USAGE, UsageError } from "../../cli/args.ts";
import { candidateEndpoints, openEngines, selectedKinds } from "../../cli/connect.ts";
import { renderFailures } from "../../cli/failure.ts";
import { EngineUnavailableError } from "../../lib/errors.ts";
import { FakeEngine } from "../support/fake-engine.ts";

/** A made-up third engine kind whose clients are fakes; `answers` decides which endpoints work. */
function fakeKind(created: Array<string | undefined>, answers: (endpoint: string | undefined) => boolean): EngineKind {
  return {
    name: "fakecri",
    defaultEndpoints: ["/run/fake/one.sock", "/run/fake/two.sock"],
    defaultSources: ["$FAKE_ENDPOINT"],
    flag: { name: "--fake-socket", value: "SOCK", description: "fake runtime socket" },
    unreachableHint: "start the fake runtime, or point at it with --fake-socket SOCK",
    create(endpoint) {
      created.push(endpoint);
      const engine = new FakeEngine();
      if (!answers(endpoint)) {
        engine.version = () => Promise.reject(new EngineUnavailableError(`nothing at ${endpoint ?? "the default"}`, { endpoint: "fake:///engine", retryable: true }));
      }
      return engine;
    },
  };
}

describe("the engine registry drives the CLI", () => {
  it("has docker, podman, containerd and cri, each with a flag, default endpoints and a hint naming its flag", () => {
    assert.deepEqual(ENGINE_REGISTRY.map((k) => k.name), ["docker", "podman", "containerd", "cri"]);
    for (const kind of ENGINE_REGISTRY) {
      assert.ok(kind.defaultEndpoints.length > 0, kind.name);
      assert.match(kind.flag.name, /^--[a-z-]+$/);
      assert.ok(kind.unreachableHint.includes(`${kind.flag.name} ${kind.flag.value}`), kind.name);
      assert.equal(engineKind(kind.name), kind);
    }
    assert.equal(defaultEndpointsText(engineKind("docker")!), "$DOCKER_HOST, else the docker context, else unix:///var/run/docker.sock");
    // podman: the rootless socket of this user first, then the rootful one.
    assert.equal(defaultEndpointsText(engineKind("podman")!), "$XDG_RUNTIME_DIR/podman/podman.sock (rootless), else unix:///run/podman/podman.sock");
    // containerd's socket first (its CRI plugin shares it), then CRI-O's: the discovery order.
    assert.equal(defaultEndpointsText(engineKind("cri")!), "/run/containerd/containerd.sock, else /var/run/crio/crio.sock");
    assert.deepEqual(parseArgs(["--engine", "cri", "--cri", "/n/cri.sock"]).endpoints, { cri: "/n/cri.sock" });
  });

  it("every entry's flag is accepted and documented in USAGE with its default endpoints", () => {
    assert.equal(USAGE, usage(ENGINE_REGISTRY));
    assert.ok(USAGE.includes(`--engine ${[...ENGINE_REGISTRY.map((k) => k.name), "all"].join("|")}`));
    for (const kind of ENGINE_REGISTRY) {
      assert.deepEqual(parseArgs([kind.flag.name, "/x.sock"]).endpoints, { [kind.name]: "/x.sock" });
      assert.deepEqual(parseArgs([`${kind.flag.name}=/y.sock`, "--engine", kind.name]).engine, kind.name);
      assert.ok(USAGE.includes(`${kind.flag.name} ${kind.flag.value}`), kind.name);
      for (const endpoint of kind.defaultEndpoints) assert.ok(USAGE.includes(endpoint), endpoint);
    }
  });

  it("an engine added to a copy of the table is selectable, documented and explained", () => {
    const registry: EngineRegistry = [...ENGINE_REGISTRY, fakeKind([], () => false)];
    assert.deepEqual(engineChoices(registry), ["docker", "podman", "containerd", "cri", "fakecri", "all"]);
    const options = parseArgs(["--engine", "fakecri", "--fake-socket=/f.sock", "--docker-host", "tcp://h:1"], registry);
    assert.deepEqual(options.endpoints, { fakecri: "/f.sock", docker: "tcp://h:1" });
    assert.equal(options.engine, "fakecri");
    // Not in the real table: the real parser rejects both the value and the flag.
    assert.throws(() => parseArgs(["--engine", "fakecri"]), (e: unknown) => e instanceof UsageError && /docker, podman, containerd, cri, all/.test(e.message));
    assert.throws(() => parseArgs(["--fake-socket", "/f.sock"]), /unknown option --fake-socket/);

    const text = usage(registry);
    assert.match(text, /--engine docker\|podman\|containerd\|cri\|fakecri\|all/);
    // Wrapped to the terminal width: compare with the whitespace collapsed.
    assert.ok(
      text.replace(/\s+/g, " ").includes(
        "--fake-socket SOCK fake runtime socket (default: $FAKE_ENDPOINT, else /run/fake/one.sock, else /run/fake/two.sock)",
      ),
      text,
    );

    const failure = renderFailures([{ engine: "fakecri", endpoint: "/f.sock", error: new Error("boom") }], "node", registry);
    assert.match(failure, /^whalewatcher: the fakecri engine is not reachable:\n  fakecri at \/f.sock: Error: boom\n/);
    assert.match(failure, /To fix: start the fake runtime, or point at it with --fake-socket SOCK\.\n$/);
    assert.doesNotMatch(failure, /--docker-host|--containerd|--cri/);

    assert.deepEqual(selectedKinds(options, registry).map((k) => k.name), ["fakecri"]);
    assert.deepEqual(selectedKinds(parseArgs([], registry), registry).map((k) => k.name), ["docker", "containerd", "cri", "fakecri"]);
  });

  it("without an endpoint the default comes first, then the other default endpoints in discovery order", () => {
    const kind = fakeKind([], () => true);
    assert.deepEqual(candidateEndpoints(kind, parseArgs([])), [undefined, "/run/fake/two.sock"]);
    assert.deepEqual(candidateEndpoints(kind, { ...parseArgs([]), endpoints: { fakecri: "/given.sock" } }), ["/given.sock"]);
  });

  it("opening tries the default endpoints in order and watches the first that answers", { timeout: 10_000 }, async () => {
    const created: Array<string | undefined> = [];
    const registry = [fakeKind(created, (endpoint) => endpoint === "/run/fake/two.sock")];
    const { open, failures } = await openEngines(parseArgs(["--engine", "fakecri"], registry), { registry });
    try {
      assert.deepEqual(created, [undefined, "/run/fake/two.sock"]);
      assert.deepEqual(failures, []);
      assert.deepEqual(open.map((e) => [e.kind, e.version]), [["fakecri", "0.0.0-fake"]]);
    } finally {
      await Promise.all(open.map((e) => e.watcher.close()));
    }
  });

  it("when no endpoint answers, each one tried is a failure with its error", { timeout: 10_000 }, async () => {
    const created: Array<string | undefined> = [];
    const registry = [fakeKind(created, () => false)];
    const { open, failures } = await openEngines(parseArgs([], registry), { registry });
    assert.deepEqual(open, []);
    assert.deepEqual(failures.map((f) => [f.engine, f.endpoint, (f.error as Error).message]), [
      ["fakecri", "fake:///engine", "nothing at the default"],
      ["fakecri", "fake:///engine", "nothing at /run/fake/two.sock"],
    ]);
  });
});
