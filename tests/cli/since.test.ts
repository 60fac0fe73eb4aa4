/**
 * `--watch --since`: parsing the moment (units), and against the real dockerd and containerd: the events
 * dockerd logged before the watch are replayed (text and NDJSON, marked `replayed`), containerd, which keeps
 * no log, is named once.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { containerdEngine, dockerEngine, EngineCleanup, engineSkip, podmanEngine, runTestContainer, uniqueName } from "../support/engines.ts";
import { parseArgs, UsageError } from "../../cli/args.ts";
import { parseSince } from "../../cli/since.ts";
import type { EventJson } from "../../cli/json.ts";
import { watchCli } from "./child.ts";

const NOW = new Date("2026-01-02T10:00:00Z");

describe("--since", () => {
  it("takes a duration back from now, a Unix timestamp or an ISO 8601 time", () => {
    assert.equal(parseSince("10m", NOW), Date.parse("2026-01-02T09:50:00Z"));
    assert.equal(parseSince("1h30m", NOW), Date.parse("2026-01-02T08:30:00Z"));
    assert.equal(parseSince("45s", NOW), Date.parse("2026-01-02T09:59:15Z"));
    assert.equal(parseSince("2d", NOW), Date.parse("2025-12-31T10:00:00Z"));
    assert.equal(parseSince("1767340800", NOW), Date.parse("2026-01-02T08:00:00Z"));
    assert.equal(parseSince("1767340800.5", NOW), Date.parse("2026-01-02T08:00:00.500Z"));
    assert.equal(parseSince("2026-01-02T09:04:05Z", NOW), Date.parse("2026-01-02T09:04:05Z"));
    assert.equal(parseSince("2026-01-02T09:04:05+01:00", NOW), Date.parse("2026-01-02T08:04:05Z"));
    assert.equal(parseSince("2026-01-01", NOW), new Date(2026, 0, 1).getTime(), "a date alone is local midnight");
  });

  it("refuses what is no moment, the future, and --since without --watch", () => {
    for (const bad of ["yesterday", "10x", "-5m", "2026-13"]) {
      assert.throws(() => parseSince(bad, NOW), (e: unknown) => e instanceof UsageError && /--since takes a duration/.test(e.message), bad);
    }
    assert.throws(() => parseSince("2027-01-01T00:00:00Z", NOW), /lies in the future/);
    assert.throws(() => parseArgs(["--since", "10m"]), (e: unknown) => e instanceof UsageError && /--since goes with --watch/.test(e.message));
    assert.equal(parseArgs(["--watch", "--since", "10m"], undefined, NOW).since, Date.parse("2026-01-02T09:50:00Z"));
  });
});

const dockerHost = dockerEngine();
const containerd = containerdEngine();
const skip = dockerHost.skip ?? engineSkip("containerd", containerd, undefined);

describe("--watch --since against the real engines", () => {
  const cleanup = new EngineCleanup();
  after(() => cleanup.run());

  it("replays what dockerd logged; containerd keeps no log and says so once", { skip, timeout: 120_000 }, async () => {
    const host = dockerHost.endpoint!;
    const name = uniqueName("cli-since");
    const run = await runTestContainer(cleanup, host, name, ["sh", "-c", "exit 3"]);
    assert.equal(run.code, 3, run.stderr);

    for (const json of [false, true]) {
      const seen: string[] = [];
      const end = await watchCli(["--docker-host", host, "--containerd", containerd.endpoint!, "--watch", "--since", "5m",
        ...(json ? ["--json"] : [])], async (cli) => {
        for (;;) {
          const line = await cli.nextLine(60_000);
          if (!line.includes(name)) continue;
          seen.push(line);
          if (/exited/.test(line)) break;
        }
      });
      if (json) {
        const events = seen.map((l) => JSON.parse(l) as EventJson & { replayed?: boolean });
        assert.deepEqual(events.map((e) => [e.type, e.container.name, e.replayed]), [["started", name, true], ["exited", name, true]]);
        assert.equal(events[1]!.exit?.code, 3);
      } else {
        assert.equal(seen.length, 2, seen.join("\n"));
        assert.match(seen[0]!, new RegExp(`docker\\.com +started +- +${name} +[0-9a-f]{12} +-$`));
        assert.match(seen[1]!, new RegExp(`docker\\.com +exited +- +${name} +[0-9a-f]{12} +- +exit 3$`));
      }
      const notes = end.stderr.split("\n").filter((l) => l.includes("keeps no event log"));
      assert.deepEqual(notes, [
        `whalewatcher: containerd.io at ${containerd.endpoint} keeps no event log: --since shows its events from now on`,
      ]);
    }
  });

  const podman = podmanEngine();
  it("replays what podman logged (its events file)", { skip: podman.skip, timeout: 120_000 }, async () => {
    const host = podman.endpoint!;
    const name = uniqueName("cli-since-pod");
    const run = await runTestContainer(cleanup, host, name, ["sh", "-c", "exit 4"]);
    assert.equal(run.code, 4, run.stderr);
    const events: Array<EventJson & { replayed?: boolean }> = [];
    await watchCli(["--engine", "docker", "--docker-host", host, "--watch", "--since", "5m", "--json"], async (cli) => {
      while (events.at(-1)?.type !== "exited") {
        const line = await cli.nextLine(60_000);
        if (line.includes(name)) events.push(JSON.parse(line) as EventJson & { replayed?: boolean });
      }
    });
    assert.deepEqual(events.map((e) => [e.engine.type, e.type, e.replayed]), [["podman.io", "started", true], ["podman.io", "exited", true]]);
    assert.equal(events[1]!.exit?.code, 4);
  });
});
