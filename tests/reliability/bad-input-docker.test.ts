/**
 * The bad-input corpus (fixtures/bad/docker) served by a fake Docker engine
 * to a real DockerClient + Watcher: every case gives a typed error (reported
 * to the watcher's logger while it retries) or a skip — never a crash, a
 * hang, or a wrong container in the portfolio. Cases too large to commit
 * (1 MB labels, a 20 MB line, deep nesting) are generated here.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { DockerClient } from "../../engines/docker/mod.ts";
import { EngineError } from "../../lib/errors.ts";
import type { LifecycleEvent } from "../../lib/events.ts";
import type { Container } from "../../lib/model/container.ts";
import { Watcher } from "../../lib/watcher.ts";
import { FakeDocker, type FakeDockerScript, inspectJson, startLine } from "../support/fake-docker.ts";
import { TEST_BACKOFF, waitUntil } from "./support.ts";

const CORPUS = new URL("../../fixtures/bad/docker/", import.meta.url);
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const GOOD = inspectJson("good", 100, { ww: "good" });
const LATE = inspectJson("late", 300, { ww: "late" });

/** What a case must end in: the watcher synced with exactly these containers, or a typed error. */
type Expected = { synced: string[] } | "typed error";

interface Case {
  name: string;
  script: FakeDockerScript;
  expected: Expected;
}

function corpus(dir: string): Array<[string, Uint8Array]> {
  const url = new URL(`${dir}/`, CORPUS);
  return readdirSync(url).sort().map((file) => [`${dir}/${file}`, readFileSync(new URL(file, url))]);
}

/** Per-file outcomes where the bad input is still a valid container, or must fail the sync. */
const LIST_EXPECTED: Record<string, Expected> = { "list/invalid-utf8-id.json": { synced: ["good"] } };
const INSPECT_VALID = ["labels-wrong-types", "labels-an-array", "name-a-number", "invalid-utf8-name"];
const INSPECT_FATAL = ["state-missing", "state-not-an-object", "id-missing", "truncated", "not-json"];
const EVENTS_FATAL = ["malformed", "trailing-garbage", "invalid-utf8-id"];

function stem(path: string): string {
  return path.replace(/^.*\//, "").replace(/\.[^.]+$/, "");
}

function cases(): Case[] {
  const all: Case[] = [];
  for (const [name, body] of corpus("list")) {
    all.push({
      name,
      script: { list: body, inspect: new Map([["good", bytes(GOOD)]]), events: new Uint8Array() },
      expected: LIST_EXPECTED[name] ?? "typed error",
    });
  }
  const listGoodAndBad = bytes('[{"Id":"good"},{"Id":"bad"}]');
  const inspectCase = (name: string, body: Uint8Array, expected: Expected): Case => ({
    name,
    script: { list: listGoodAndBad, inspect: new Map([["good", bytes(GOOD)], ["bad", body]]), events: new Uint8Array() },
    expected,
  });
  for (const [name, body] of corpus("inspect")) {
    const expected: Expected = INSPECT_VALID.includes(stem(name))
      ? { synced: ["bad", "good"] }
      : INSPECT_FATAL.includes(stem(name))
      ? "typed error"
      : { synced: ["good"] };
    all.push(inspectCase(name, body, expected));
  }
  all.push(inspectCase("generated: 1 MB label", bytes(inspectJson("bad", 200, { big: "x".repeat(1 << 20) })), { synced: ["bad", "good"] }));
  const deep = "[".repeat(100_000) + "]".repeat(100_000);
  all.push(inspectCase("generated: label nested 100,000 deep", bytes(inspectJson("bad", 200).replace('"Labels":{}', `"Labels":{"deep":${deep}}`)), { synced: ["bad", "good"] }));
  const eventCase = (name: string, body: Uint8Array, expected: Expected): Case => ({
    name,
    script: {
      list: bytes('[{"Id":"good"}]'),
      inspect: new Map([["good", bytes(GOOD)], ["late", bytes(LATE)]]),
      events: new Uint8Array([...body, ...bytes(startLine("late"))]),
    },
    expected,
  });
  for (const [name, body] of corpus("events")) {
    all.push(eventCase(name, body, EVENTS_FATAL.includes(stem(name)) ? "typed error" : { synced: ["good", "late"] }));
  }
  all.push(eventCase("generated: 20 MB line without a newline", bytes("{".repeat(20 << 20)), "typed error"));
  all.push(eventCase("generated: event nested 100,000 deep", bytes(`{"x":${deep}}\n`), { synced: ["good", "late"] }));
  return all;
}

/** Fails unless a container is one the fake engine serves, with sane values. */
function assertSane(container: Container, where: string): void {
  assert.ok(["good", "bad", "late"].includes(container.id), `${where}: unexpected container ${JSON.stringify(container.id)}`);
  assert.ok(Number.isSafeInteger(container.pid) && container.pid > 0, `${where}: bad pid ${String(container.pid)}`);
  assert.equal(typeof container.name, "string");
  for (const [key, value] of Object.entries(container.labels)) {
    assert.equal(typeof value, "string", `${where}: label ${key} is not a string`);
  }
}

describe("bad input from a (fake) Docker engine", () => {
  for (const { name, script, expected } of cases()) {
    it(name, { timeout: 60_000 }, async () => {
      const fake = await new FakeDocker(script).listen();
      const warnings: unknown[] = [];
      const watcher = new Watcher(new DockerClient({ host: fake.host, env: {} }), {
        backoff: TEST_BACKOFF,
        logger: { debug() {}, warn: (_message, error) => warnings.push(error) },
      });
      const seen: LifecycleEvent[] = [];
      const subscription = watcher.events({ buffer: 100_000 });
      const collecting = (async () => {
        for await (const event of subscription) seen.push(event);
      })();
      const watching = watcher.watch();
      const ids = (): string[] => [...watcher.portfolio.allContainers()].map((c) => c.id).sort();
      try {
        const wanted = expected === "typed error" ? undefined : expected.synced;
        const outcome = await waitUntil(
          () => `${name}: an outcome (portfolio ${JSON.stringify(ids())}, warnings ${warnings.map(String).join("; ")})`,
          () => {
            if (warnings.length > 0) return "typed error";
            if (wanted && watcher.phase === "synced" && JSON.stringify(ids()) === JSON.stringify(wanted)) return "synced";
            return undefined;
          },
          20_000,
        );
        for (const warning of warnings) {
          assert.ok(warning instanceof EngineError, `${name}: untyped error ${String(warning)}`);
        }
        assert.equal(outcome, expected === "typed error" ? "typed error" : "synced", `${name}: warnings ${warnings.map(String).join("; ")}`);
        for (const container of watcher.portfolio.allContainers()) assertSane(container, `${name} portfolio`);
        for (const event of seen) assertSane(event.container, `${name} event ${event.type}`);
      } finally {
        await watcher.close();
        await watching; // close() ends watch() normally: a rejection here is a failure
        await collecting;
        await fake.close();
      }
    });
  }
});
