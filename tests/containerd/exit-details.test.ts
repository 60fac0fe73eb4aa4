/**
 * containerd exit details: TaskExit's exit_status and exited_at, TaskOOM
 * folded into the next exit by the event stream, and exitDetails (Tasks/Get
 * of a stopped task) — decoded from recordings and served by the fake
 * containerd.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import type { DescMessage, MessageInitShape } from "@bufbuild/protobuf";
import { anyPack, timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { ContainerdClient } from "../../engines/containerd/mod.ts";
import { decodeEnvelope, EVENT_FILTERS } from "../../engines/containerd/events.ts";
import { TaskExitSchema, TaskOOMSchema, TaskStartSchema } from "../../engines/containerd/gen/containerd/events/task_pb.ts";
import { EnvelopeSchema } from "../../engines/containerd/gen/containerd/services/events/v1/events_pb.ts";
import type { Envelope } from "../../engines/containerd/gen/containerd/services/events/v1/events_pb.ts";
import { fromBinary } from "@bufbuild/protobuf";
import { PROJECT_UNKNOWN } from "../../lib/engine.ts";
import type { EngineEvent } from "../../lib/engine.ts";
import { startFakeContainerd } from "../support/fake-containerd.ts";
import { recordedEnvelopes } from "./fixtures.ts";

const IGNORED: ReadonlySet<string> = new Set(["moby", "k8s.io"]);

function envelopeOf<Desc extends DescMessage>(topic: string, schema: Desc, payload: MessageInitShape<Desc>, ms: number, namespace = "default"): Envelope {
  return create(EnvelopeSchema, {
    timestamp: timestampFromMs(ms),
    namespace,
    topic,
    event: anyPack(schema, create(schema, payload)),
  });
}

describe("containerd exit details in envelopes", () => {
  it("a recorded TaskExit gives its exit_status as the code and exited_at as the event time", () => {
    const found = recordedEnvelopes().find(({ note }) => note.includes("kill+rm rec1: default /tasks/exit"));
    assert.ok(found);
    const payload = fromBinary(TaskExitSchema, found.envelope.event!.value);
    const outcome = decodeEnvelope(found.envelope, IGNORED);
    assert.equal(outcome.kind, "event");
    const event = outcome.kind === "event" ? outcome.event : undefined;
    assert.equal(event?.type, "exited");
    assert.deepEqual(event?.type === "exited" ? event.exit : undefined, { code: payload.exitStatus });
    assert.equal(payload.exitStatus, 137, "the recording killed rec1 with SIGKILL");
    assert.equal(event?.time, timestampMs(payload.exitedAt!));
  });

  it("a TaskExit without exited_at keeps the envelope's time", () => {
    const envelope = envelopeOf("/tasks/exit", TaskExitSchema, { containerId: "c", id: "c", exitStatus: 3 }, 5_000);
    const outcome = decodeEnvelope(envelope, IGNORED);
    assert.deepEqual(outcome, { kind: "event", event: { type: "exited", id: "c", project: PROJECT_UNKNOWN, time: 5_000, exit: { code: 3 } } });
  });

  it("TaskOOM is subscribed to and decoded as an OOM of the namespaced container", () => {
    assert.ok(EVENT_FILTERS.includes('topic=="/tasks/oom"'));
    assert.deepEqual(decodeEnvelope(envelopeOf("/tasks/oom", TaskOOMSchema, { containerId: "c" }, 1, "ns"), IGNORED), { kind: "oom", id: "ns/c" });
    assert.deepEqual(decodeEnvelope(envelopeOf("/tasks/oom", TaskOOMSchema, { containerId: "c" }, 1, "moby"), IGNORED), { kind: "ignored" });
    assert.equal(decodeEnvelope(envelopeOf("/tasks/oom", TaskOOMSchema, {}, 1), IGNORED).kind, "skipped");
  });
});

describe("containerd event stream: OOM kills", () => {
  const exit = (containerId: string, exitStatus: number, ms: number) =>
    envelopeOf("/tasks/exit", TaskExitSchema, { containerId, id: containerId, exitStatus, exitedAt: timestampFromMs(ms) }, ms + 1);
  const start = (containerId: string, ms: number) => envelopeOf("/tasks/start", TaskStartSchema, { containerId, pid: 7 }, ms);
  const oom = (containerId: string, ms: number) => envelopeOf("/tasks/oom", TaskOOMSchema, { containerId }, ms);

  it("marks the exit after a TaskOOM oom: true, once per instance and per container", { timeout: 30_000 }, async () => {
    await using fake = await startFakeContainerd({
      envelopes: [
        start("a", 1_000),
        start("b", 1_001),
        oom("a", 2_000),
        exit("b", 0, 2_500),
        exit("a", 137, 3_000),
        start("a", 4_000),
        exit("a", 137, 5_000),
        oom("b", 6_000),
        start("b", 7_000),
        exit("b", 1, 8_000),
      ],
    });
    await using client = new ContainerdClient({ socket: fake.socket, logger: { warn() {} } });
    const abort = new AbortController();
    const stream = client.lifecycleEvents({ signal: abort.signal });
    await stream.subscribed;
    const exits: EngineEvent[] = [];
    let seen = 0;
    for await (const event of stream) {
      if (event.type === "exited") exits.push(event);
      if (++seen === 8) abort.abort();
    }
    assert.deepEqual(exits.map((e) => [e.id, e.time, e.type === "exited" ? e.exit : undefined]), [
      ["b", 2_500, { code: 0 }],
      ["a", 3_000, { code: 137, oom: true }],
      ["a", 5_000, { code: 137 }],
      ["b", 8_000, { code: 1 }],
    ]);
  });

  it("a TaskOOM that comes right after its SIGKILL exit still marks it; nothing else is held back or lost", { timeout: 30_000 }, async () => {
    await using fake = await startFakeContainerd({
      envelopes: [
        start("c", 1_000),
        exit("c", 137, 2_000),
        oom("c", 2_100), // late: the shim reported the exit first
        start("d", 3_000),
        exit("d", 137, 4_000),
        start("e", 5_000), // not an OOM: d's exit goes out as it is, e's start right after
        exit("e", 137, 6_000), // the last envelope: no OOM comes, the exit goes out after the grace
      ],
    });
    await using client = new ContainerdClient({ socket: fake.socket, logger: { warn() {} } });
    const abort = new AbortController();
    const stream = client.lifecycleEvents({ signal: abort.signal });
    await stream.subscribed;
    const seen: string[] = [];
    for await (const event of stream) {
      seen.push(`${event.type} ${event.id}${event.type === "exited" ? ` ${JSON.stringify(event.exit)}` : ""}`);
      if (seen.length === 6) abort.abort();
    }
    assert.deepEqual(seen, [
      "started c",
      'exited c {"code":137,"oom":true}',
      "started d",
      'exited d {"code":137}',
      "started e",
      'exited e {"code":137}',
    ]);
  });
});
