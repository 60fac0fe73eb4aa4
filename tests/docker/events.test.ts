import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { DockerClient, type DockerClientOptions } from "../../engines/docker/mod.ts";
import { eventFromMessage, exitFromInspect, oomFromMessage, parseEngineTime } from "../../engines/docker/convert.ts";
import { sinceParameter, SUBSCRIBE_MARGIN_MS } from "../../engines/docker/events.ts";
import type { EngineEvent, EventStream } from "../../lib/engine.ts";
import { EngineApiError, EngineProtocolError, EngineUnavailableError } from "../../lib/errors.ts";
import { factoryOf, type Flavour, fixtureBytes, recordedPingHeaders, ReplayTransport } from "../support/replay-transport.ts";

function clientOn(transport: ReplayTransport, options: DockerClientOptions = {}): DockerClient {
  return new DockerClient({ env: {}, transportFactory: factoryOf(transport), ...options });
}

/** Collects events until `count` arrived, then aborts the subscription. */
async function take(stream: EventStream, count: number, abort: AbortController): Promise<EngineEvent[]> {
  const events: EngineEvent[] = [];
  if (count === 0) abort.abort();
  for await (const event of stream) {
    events.push(event);
    if (events.length === count) abort.abort();
  }
  return events;
}

/** Container IDs of the recording by name, from the events' own attributes. */
function idsByName(flavour: Flavour): Map<string, string> {
  const ids = new Map<string, string>();
  for (const line of new TextDecoder().decode(fixtureBytes(flavour, "events.ndjson")).split("\n")) {
    if (!line) continue;
    const message = JSON.parse(line) as { Actor: { ID: string; Attributes: { name: string } } };
    ids.set(message.Actor.Attributes.name, message.Actor.ID);
  }
  return ids;
}

/** What the recorded scenario (fixtures/docker/record.sh) must yield, on both engines. */
function expectedScenario(flavour: Flavour): Array<Pick<EngineEvent, "type" | "id"> & { project?: string; exit?: { code: number } }> {
  const id = idsByName(flavour);
  const ev = id.get("wwfix-ev")!;
  return [
    { type: "started", id: ev },
    { type: "paused", id: ev },
    { type: "unpaused", id: ev },
    { type: "exited", id: ev, project: "", exit: { code: 137 } }, // docker restart (sleep as PID 1 ignores SIGTERM)
    { type: "started", id: ev },
    { type: "exited", id: ev, project: "", exit: { code: 137 } }, // docker kill
    { type: "started", id: id.get("wwfix-oneshot")! },
    { type: "exited", id: id.get("wwfix-oneshot")!, project: "", exit: { code: 0 } },
    { type: "started", id: id.get("wwfix-health")! },
    { type: "started", id: id.get("wwfix_web_2")! }, // compose scale web=2
    { type: "exited", id: id.get("wwfix_web_2")!, project: "wwfix", exit: { code: 137 } }, // compose scale web=1
    { type: "exited", id: id.get("wwfix-health")!, project: "", exit: { code: 137 } }, // docker rm -f
  ];
}

const shape = (events: EngineEvent[]): Array<Record<string, unknown>> =>
  events.map((e) =>
    e.type === "exited" ? { type: e.type, id: e.id, project: e.project, exit: e.exit } : { type: e.type, id: e.id }
  );

for (const flavour of ["docker", "podman"] as const) {
  describe(`DockerClient.lifecycleEvents on the recorded ${flavour} stream`, () => {
    const expected = expectedScenario(flavour);
    const bytes = fixtureBytes(flavour, "events.ndjson");

    it("maps start, die, pause, unpause and ignores every other action", async () => {
      await using client = clientOn(new ReplayTransport(flavour));
      const abort = new AbortController();
      const events = await take(client.lifecycleEvents({ signal: abort.signal }), expected.length, abort);
      assert.deepEqual(shape(events), expected);
    });

    it("gives the same events for random chunkings of the stream", async () => {
      await fc.assert(
        fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 40 }), async (cuts) => {
          const transport = new ReplayTransport(flavour, (path) =>
            path.includes("/events?") ? { body: bytes, cuts, keepOpen: true } : undefined);
          await using client = clientOn(transport);
          const abort = new AbortController();
          const events = await take(client.lifecycleEvents({ signal: abort.signal }), expected.length, abort);
          assert.deepEqual(shape(events), expected);
        }),
        { numRuns: 25 },
      );
    });

    it("takes the time from timeNano in milliseconds", async () => {
      await using client = clientOn(new ReplayTransport(flavour));
      const abort = new AbortController();
      const [first] = await take(client.lifecycleEvents({ signal: abort.signal }), 1, abort);
      const startLine = new TextDecoder().decode(bytes).split("\n").find((l) => l.includes('"Action":"start"'))!;
      const timeNano = (JSON.parse(startLine) as { timeNano: number }).timeNano;
      assert.equal(first!.time, Math.floor(timeNano / 1e6));
    });
  });
}

describe("Docker event message mapping", () => {
  const base = { Type: "container", Actor: { ID: "c1", Attributes: { name: "x" } }, time: 1700000000, timeNano: 1700000000123456789 };

  it("accepts podman's died alias and takes the project from the attributes", () => {
    const message = { ...base, Action: "died", Actor: { ID: "c1", Attributes: { "com.docker.compose.project": "shop" } } };
    assert.deepEqual(eventFromMessage(message), { type: "exited", id: "c1", project: "shop", time: 1700000000123, exit: {} });
  });

  it("takes the exit code from exitCode (podman: also containerExitCode); malformed codes are unknown", () => {
    const die = (attributes: Record<string, string>) =>
      eventFromMessage({ ...base, Action: "die", Actor: { ID: "c1", Attributes: attributes } });
    assert.deepEqual(die({ exitCode: "137" }), { type: "exited", id: "c1", project: "", time: 1700000000123, exit: { code: 137 } });
    assert.deepEqual((die({ containerExitCode: "3" }) as { exit?: unknown }).exit, { code: 3 });
    assert.deepEqual((die({ exitCode: "0", containerExitCode: "0" }) as { exit?: unknown }).exit, { code: 0 });
    for (const bad of ["", "-1", "1.5", "abc", "99999999999"]) assert.deepEqual((die({ exitCode: bad }) as { exit?: unknown }).exit, {}, bad);
  });

  it("recognizes oom messages by container ID, and nothing else as one", () => {
    assert.equal(oomFromMessage({ ...base, Action: "oom" }), "c1");
    assert.equal(oomFromMessage({ Type: "container", status: "oom", id: "c2" }), "c2");
    assert.equal(oomFromMessage({ ...base, Action: "die" }), undefined);
    assert.equal(oomFromMessage({ ...base, Type: "image", Action: "oom" }), undefined);
    assert.equal(oomFromMessage({ ...base, Actor: {}, Action: "oom" }), undefined);
    assert.equal(eventFromMessage({ ...base, Action: "oom" }), undefined, "oom alone is no lifecycle event");
  });

  it("ignores suffixed, unknown and non-container actions, and messages without an ID", () => {
    for (
      const action of ["exec_start: sh -c echo", "health_status: healthy", "exec_create: sh", "init", "cleanup", "remove", "create", "destroy", "kill", "stop", "restart", "start:", "Start", ""]
    ) {
      assert.equal(eventFromMessage({ ...base, Action: action }), undefined, action);
    }
    assert.equal(eventFromMessage({ ...base, Type: "image", Action: "start" }), undefined);
    assert.equal(eventFromMessage({ ...base, Actor: {}, Action: "start" }), undefined);
    assert.equal(eventFromMessage(null), undefined);
    assert.equal(eventFromMessage([1, 2]), undefined);
  });

  it("falls back to the legacy status/id fields, to time in seconds, and to the local clock", () => {
    assert.deepEqual(eventFromMessage({ status: "start", id: "c2", time: 1700000001 }), {
      type: "started",
      id: "c2",
      time: 1700000001000,
    });
    const before = Date.now();
    const event = eventFromMessage({ Type: "container", Action: "pause", Actor: { ID: "c3" } });
    assert.equal(event?.type, "paused");
    assert.ok(event!.time >= before && event!.time <= Date.now());
  });
});

describe("Docker exit details from inspect", () => {
  it("reads State.ExitCode, State.FinishedAt (nanoseconds, Z or offset) and State.OOMKilled of a dead container", () => {
    const state = { Status: "exited", Pid: 0, ExitCode: 137, OOMKilled: true, FinishedAt: "2026-12-02T08:19:00.117112059Z" };
    assert.deepEqual(exitFromInspect({ Id: "c", State: state }), { code: 137, oom: true, time: Date.parse("2026-12-02T08:19:00.117Z") });
    assert.deepEqual(exitFromInspect({ Id: "c", State: { ...state, OOMKilled: false, ExitCode: 0 } }), {
      code: 0,
      time: Date.parse("2026-12-02T08:19:00.117Z"),
    });
    assert.equal(parseEngineTime("2026-12-02T10:19:00.5+02:00"), Date.parse("2026-12-02T08:19:00.500Z"));
    assert.equal(parseEngineTime("0001-01-01T00:00:00Z"), undefined, "Go's zero time");
    assert.equal(parseEngineTime("yesterday"), undefined);
  });

  it("says nothing for an alive container, one that never ran, or JSON without State", () => {
    assert.equal(exitFromInspect({ Id: "c", State: { Status: "running", Pid: 42, ExitCode: 0 } }), undefined);
    assert.equal(exitFromInspect({ Id: "c", State: { Status: "created", Pid: 0, ExitCode: 0, FinishedAt: "0001-01-01T00:00:00Z" } }), undefined);
    assert.equal(exitFromInspect({ Id: "c" }), undefined);
    assert.deepEqual(exitFromInspect({ Id: "c", State: { Status: "exited", Pid: 0, ExitCode: 2, FinishedAt: "0001-01-01T00:00:00Z" } }), { code: 2 });
  });

  it("DockerClient.exitDetails inspects read-only; a missing container has none", async () => {
    const dead = { Id: "dead", Name: "/dead", State: { Status: "exited", Pid: 0, ExitCode: 3, OOMKilled: false, FinishedAt: "2026-12-02T08:00:00Z" } };
    const transport = new ReplayTransport("docker", (path) =>
      /\/containers\/dead\/json$/.test(path) ? { body: JSON.stringify(dead) } : undefined);
    await using client = clientOn(transport);
    assert.deepEqual(await client.exitDetails("dead"), { code: 3, time: Date.parse("2026-12-02T08:00:00Z") });
    assert.equal(await client.exitDetails("never-existed"), undefined);
    assert.deepEqual(transport.requests.map((r) => r.method), transport.requests.map(() => "GET"));
  });
});

describe("Docker OOM kills on the event stream", () => {
  const message = (Action: string, ID: string, timeNano: number, attributes: Record<string, string> = {}) =>
    JSON.stringify({ Type: "container", Action, Actor: { ID, Attributes: attributes }, timeNano }) + "\n";

  it("marks the exit after an oom event oom: true, once per instance, per container", async () => {
    const body = [
      message("start", "a", 1e18),
      message("start", "b", 2e18),
      message("oom", "a", 3e18),
      message("die", "b", 4e18, { exitCode: "0" }),
      message("die", "a", 5e18, { exitCode: "137" }),
      message("start", "a", 6e18),
      message("die", "a", 7e18, { exitCode: "137" }),
      message("oom", "b", 8e18),
      message("start", "b", 9e18), // a new instance: the old one's OOM does not carry over
      message("die", "b", 10e18, { exitCode: "1" }),
    ].join("");
    const transport = new ReplayTransport("docker", (path) => path.includes("/events?") ? { body, keepOpen: true } : undefined);
    await using client = clientOn(transport);
    const abort = new AbortController();
    const events = await take(client.lifecycleEvents({ signal: abort.signal }), 8, abort);
    assert.deepEqual(events.filter((e) => e.type === "exited").map((e) => [e.id, e.exit]), [
      ["b", { code: 0 }],
      ["a", { code: 137, oom: true }],
      ["a", { code: 137 }],
      ["b", { code: 1 }],
    ]);
  });

  it("keeps the OOM mark right across a since= replay: the backlog's exit has it, the live stream's replay does not leak it", async () => {
    const backlog = message("oom", "a", 3e18) + message("die", "a", 4e18, { exitCode: "137" });
    const live = backlog + message("start", "a", 5e18) + message("die", "a", 6e18, { exitCode: "0" }) +
      message("oom", "b", 7e18) + message("die", "b", 8e18, { exitCode: "137" });
    const transport = new ReplayTransport("docker", (path) =>
      path.includes("/events?") ? (path.includes("until=") ? { body: backlog } : { body: live, keepOpen: true }) : undefined);
    await using client = clientOn(transport);
    const abort = new AbortController();
    const events = await take(client.lifecycleEvents({ signal: abort.signal, since: 1_000 }), 4, abort);
    assert.deepEqual(events.map((e) => [e.type, e.id, e.type === "exited" ? e.exit : undefined]), [
      ["exited", "a", { code: 137, oom: true }],
      ["started", "a", undefined],
      ["exited", "a", { code: 0 }],
      ["exited", "b", { code: 137, oom: true }],
    ]);
  });
});

describe("DockerClient.lifecycleEvents subscription", () => {
  it("subscribes since the engine's clock minus the margin, filtered to container events only", async () => {
    const transport = new ReplayTransport("docker");
    await using client = clientOn(transport);
    const abort = new AbortController();
    const stream = client.lifecycleEvents({ signal: abort.signal });
    await stream.subscribed;
    abort.abort();
    const eventsPath = transport.paths.find((p) => p.includes("/events"))!;
    const url = new URL(eventsPath, "http://x");
    assert.equal(url.pathname, "/v1.41/events");
    assert.deepEqual(JSON.parse(url.searchParams.get("filters")!), { type: ["container"] });
    const engineNow = Date.parse(recordedPingHeaders("docker").get("date")!);
    assert.equal(url.searchParams.get("since"), sinceParameter(engineNow - SUBSCRIBE_MARGIN_MS));
    assert.match(url.searchParams.get("since")!, /^\d{10}\.000$/);
  });

  it("replays from options.since when given: the backlog up to now first, then the live stream from since", async () => {
    const transport = new ReplayTransport("docker");
    await using client = clientOn(transport);
    const abort = new AbortController();
    const before = Date.now();
    const stream = client.lifecycleEvents({ signal: abort.signal, since: 1_795_874_389_842.9 });
    await stream.subscribed;
    abort.abort();
    const queries = transport.paths.filter((p) => p.includes("/events")).map((p) => new URL(p, "http://x").searchParams);
    assert.equal(queries.length, 2);
    const backlog = queries.find((q) => q.has("until"))!;
    const live = queries.find((q) => !q.has("until"))!;
    assert.equal(backlog.get("since"), "1795874389.842");
    assert.equal(live.get("since"), "1795874389.842");
    const until = Number(backlog.get("until")) * 1000;
    assert.ok(until >= before - 1 && until <= Date.now(), `until ${backlog.get("until")} is the time of the request`);
  });

  it("yields a replayed backlog before the live stream, and each replayed event once", async () => {
    const recorded = new TextDecoder().decode(fixtureBytes("docker", "events.ndjson")).split("\n")
      .filter((line) => line !== "").map((line) => eventFromMessage(JSON.parse(line))).filter((e) => e !== undefined);
    assert.ok(recorded.length >= 4, "the recording holds lifecycle events");
    // The live stream replays the recording after a delay, and then one new event.
    let releaseLive!: () => void;
    const liveWhen = new Promise<void>((resolve) => (releaseLive = resolve));
    const fresh = { Type: "container", Action: "pause", Actor: { ID: "fresh" }, timeNano: 1_900_000_000_000_000_000 };
    const transport = new ReplayTransport("docker", (path) =>
      path.includes("/events?") && !path.includes("until=")
        ? {
          body: new Uint8Array([...fixtureBytes("docker", "events.ndjson"), ...new TextEncoder().encode(JSON.stringify(fresh) + "\n")]),
          keepOpen: true,
          headersWhen: liveWhen,
        }
        : undefined);
    await using client = clientOn(transport);
    const abort = new AbortController();
    const stream = client.lifecycleEvents({ signal: abort.signal, since: 1_000 });
    await stream.subscribed; // the backlog is in, though the live stream has not even answered
    const pending = take(stream, recorded.length + 1, abort);
    releaseLive();
    assert.deepEqual(await pending, [...recorded, { type: "paused", id: "fresh", time: 1_900_000_000_000 }]);
  });

  it("asks podman for its backlog until a whole second (podman ignores fractions)", async () => {
    const transport = new ReplayTransport("podman");
    await using client = clientOn(transport);
    await client.version(); // learns that it is podman
    const abort = new AbortController();
    const stream = client.lifecycleEvents({ signal: abort.signal, since: 1_795_874_389_842 });
    await stream.subscribed;
    abort.abort();
    const backlog = transport.paths.map((p) => new URL(p, "http://x").searchParams).find((q) => q.has("until"))!;
    assert.match(backlog.get("until")!, /^\d{10}$/);
  });

  it("is subscribed before the engine sends any header (podman), and then delivers", async () => {
    let sendHeaders!: () => void;
    const headersWhen = new Promise<void>((resolve) => sendHeaders = resolve);
    const transport = new ReplayTransport("podman", (path) =>
      path.includes("/events?") ? { body: fixtureBytes("podman", "events.ndjson"), keepOpen: true, headersWhen } : undefined);
    await using client = clientOn(transport);
    const abort = new AbortController();
    const stream = client.lifecycleEvents({ signal: abort.signal });
    await stream.subscribed;
    const pending = take(stream, 2, abort);
    sendHeaders();
    assert.deepEqual((await pending).map((e) => e.type), ["started", "paused"]);
  });

  it("ends quietly when the caller aborts: before the headers, while idle, or mid-stream", async () => {
    const neverHeaders = new ReplayTransport("docker", (path) =>
      path.includes("/events?") ? { headersWhen: new Promise(() => {}) } : undefined);
    await using c1 = clientOn(neverHeaders);
    const a1 = new AbortController();
    const s1 = c1.lifecycleEvents({ signal: a1.signal });
    await s1.subscribed;
    setTimeout(() => a1.abort(), 10);
    assert.deepEqual(await take(s1, 99, new AbortController()), []);

    await using c2 = clientOn(new ReplayTransport("docker"));
    const a2 = new AbortController();
    // All recorded events, then the stream stays open and idle until the abort.
    const s2 = c2.lifecycleEvents({ signal: a2.signal });
    setTimeout(() => a2.abort(), 50);
    assert.equal((await take(s2, 99, new AbortController())).length, 12);
  });

  it("throws EngineUnavailableError when the stream ends or breaks", async () => {
    const ended = new ReplayTransport("docker", (path) =>
      path.includes("/events?") ? { body: fixtureBytes("docker", "events.ndjson") } : undefined);
    await using c1 = clientOn(ended);
    const seen: EngineEvent[] = [];
    await assert.rejects(
      (async () => {
        for await (const e of c1.lifecycleEvents({ signal: new AbortController().signal })) seen.push(e);
      })(),
      (error: unknown) => error instanceof EngineUnavailableError && /event stream of unix:\/\/\/var\/run\/docker\.sock ended/.test(error.message),
    );
    assert.equal(seen.length, 12, "delivers everything before the end");

    const broken = new ReplayTransport("docker", (path) =>
      path.includes("/events?") ? { body: fixtureBytes("docker", "events.ndjson").slice(0, 500), failWith: new TypeError("terminated") } : undefined);
    await using c2 = clientOn(broken);
    await assert.rejects(
      (async () => {
        for await (const _ of c2.lifecycleEvents({ signal: new AbortController().signal })) { /* drain */ }
      })(),
      EngineUnavailableError,
    );
  });

  it("throws EngineProtocolError on a malformed event line", async () => {
    const transport = new ReplayTransport("docker", (path) =>
      path.includes("/events?") ? { body: '{"Type":"container","Action":"start","Actor":{"ID":"a"}}\n{"Type":\n', keepOpen: true } : undefined);
    await using client = clientOn(transport);
    const seen: EngineEvent[] = [];
    await assert.rejects(
      (async () => {
        for await (const e of client.lifecycleEvents({ signal: new AbortController().signal })) seen.push(e);
      })(),
      EngineProtocolError,
    );
    assert.equal(seen.length, 1);
  });

  it("throws EngineApiError when the engine refuses the subscription", async () => {
    const transport = new ReplayTransport("docker", (path) =>
      path.includes("/events?") ? { status: 400, body: '{"message":"invalid filter"}' } : undefined);
    await using client = clientOn(transport);
    const stream = client.lifecycleEvents({ signal: new AbortController().signal });
    await stream.subscribed;
    await assert.rejects(
      (async () => {
        for await (const _ of stream) { /* drain */ }
      })(),
      (error: unknown) => error instanceof EngineApiError && error.status === 400 && /invalid filter/.test(error.message),
    );
  });

  it("rejects subscribed and the iteration when the engine is missing, without unhandled rejections", async () => {
    await using client = new DockerClient({ host: "unix:///nonexistent/ww-test/docker.sock", env: {} });
    const stream = client.lifecycleEvents({ signal: new AbortController().signal });
    await assert.rejects(stream.subscribed, EngineUnavailableError);
    await assert.rejects(
      (async () => {
        for await (const _ of stream) { /* drain */ }
      })(),
      /no Docker engine at unix:\/\/\/nonexistent\/ww-test\/docker\.sock/,
    );
    // A stream nobody awaits must not cause an unhandled rejection (the runner would fail).
    client.lifecycleEvents({ signal: new AbortController().signal });
    await new Promise((resolve) => setTimeout(resolve, 50));
  });

  it("cancels the request when the consumer breaks out", async () => {
    const transport = new ReplayTransport("docker");
    await using client = clientOn(transport);
    for await (const _ of client.lifecycleEvents({ signal: new AbortController().signal })) break;
    const request = transport.requests.find((r) => r.path.includes("/events?"))!;
    assert.equal(request.signal?.aborted, true);
    assert.deepEqual(transport.cancelled.filter((p) => p.includes("/events?")), [request.path]);
  });

  it("can be iterated only once", async () => {
    await using client = clientOn(new ReplayTransport("docker"));
    const abort = new AbortController();
    const stream = client.lifecycleEvents({ signal: abort.signal });
    await take(stream, 1, abort);
    await assert.rejects(take(stream, 1, new AbortController()), TypeError);
  });

  it("formats since as SECONDS.MILLIS", () => {
    assert.equal(sinceParameter(0), "0.000");
    assert.equal(sinceParameter(1_700_000_000_007), "1700000000.007");
    assert.equal(sinceParameter(1234.9), "1.234");
  });

  it("learns that the engine is podman from the subscription's ping", async () => {
    await using client = clientOn(new ReplayTransport("podman"));
    const abort = new AbortController();
    const stream = client.lifecycleEvents({ signal: abort.signal });
    await stream.subscribed;
    abort.abort();
    assert.equal(client.type, "podman.io");
  });
});
