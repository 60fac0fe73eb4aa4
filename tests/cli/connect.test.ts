/**
 * How the CLI opens an engine without timers of its own: it awaits the
 * watcher's `ready`; a one-shot run gives up on the first failed sync
 * (`maxRetries: 0`), a watch keeps reconnecting as the watcher does.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { EngineKind } from "../../engines/registry.ts";
import { parseArgs } from "../../cli/args.ts";
import { openEngines } from "../../cli/connect.ts";
import { EngineProtocolError } from "../../lib/errors.ts";
import { connectionLost, FakeEngine } from "../support/fake-engine.ts";

function kindOf(engine: FakeEngine): EngineKind {
  return {
    name: "fake",
    defaultEndpoints: ["/run/fake.sock"],
    defaultSources: [],
    flag: { name: "--fake", value: "PATH", description: "fake socket" },
    unreachableHint: "start it, or point at it with --fake PATH",
    create: () => engine,
  };
}

describe("opening engines for the CLI", () => {
  it("a one-shot run reports a first sync that fails (retryable or not) at once and closes the client", { timeout: 10_000 }, async () => {
    for (const error of [connectionLost("list broke"), new EngineProtocolError("list spoke nonsense", { endpoint: "fake:///engine", retryable: false })]) {
      const engine = new FakeEngine();
      engine.failLists(1, () => error);
      const registry = [kindOf(engine)];
      const { open, failures } = await openEngines(parseArgs([], registry), { registry });
      assert.deepEqual(open, []);
      assert.equal(failures.length, 1);
      assert.equal(failures[0]!.error, error);
      assert.equal(engine.count("list"), 1, "not retried");
      assert.ok(engine.closed, "the client is closed");
    }
  });

  it("a watch retries a first sync that failed with a retryable error and opens the engine", { timeout: 20_000 }, async () => {
    const engine = new FakeEngine();
    engine.failLists(1);
    const registry = [kindOf(engine)];
    const { open, failures } = await openEngines(parseArgs(["--watch"], registry), { registry });
    try {
      assert.deepEqual(failures, []);
      assert.equal(open.length, 1);
      assert.equal(engine.count("list"), 2);
    } finally {
      await Promise.all(open.map((e) => e.watcher.close()));
    }
  });

  it("the probe's failure is reported without creating a watcher", { timeout: 10_000 }, async () => {
    const engine = new FakeEngine();
    const refused = connectionLost("refused");
    engine.id = () => Promise.reject(refused);
    const registry = [kindOf(engine)];
    const { open, failures } = await openEngines(parseArgs(["--watch"], registry), { registry });
    assert.deepEqual(open, []);
    assert.deepEqual(failures.map((f) => [f.engine, f.endpoint, f.error]), [["fake", "fake:///engine", refused]]);
    assert.equal(engine.count("list"), 0);
    assert.ok(engine.closed);
  });
});
