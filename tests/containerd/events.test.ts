import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { clone } from "@bufbuild/protobuf";
import { PROJECT_UNKNOWN } from "../../lib/engine.ts";
import type { EngineEvent } from "../../lib/engine.ts";
import { decodeEnvelope, EVENT_FILTERS } from "../../engines/containerd/events.ts";
import { EnvelopeSchema } from "../../engines/containerd/gen/containerd/services/events/v1/events_pb.ts";
import type { Envelope } from "../../engines/containerd/gen/containerd/services/events/v1/events_pb.ts";
import { recordedEnvelopes } from "./fixtures.ts";

const DEFAULT_IGNORED: ReadonlySet<string> = new Set(["moby", "k8s.io"]);
const recorded = recordedEnvelopes();

/** The first recorded envelope whose note matches. */
function envelope(noteFragment: string): Envelope {
  const found = recorded.find(({ note }) => note.includes(noteFragment));
  assert.ok(found, `no recorded envelope matching ${noteFragment}`);
  return clone(EnvelopeSchema, found.envelope);
}

function events(ignored: ReadonlySet<string>): EngineEvent[] {
  return recorded.flatMap(({ envelope }) => {
    const outcome = decodeEnvelope(envelope, ignored);
    return outcome.kind === "event" ? [outcome.event] : [];
  });
}

describe("containerd envelopes (recorded)", () => {
  it("turn a scripted lifecycle into start, pause, resume and exactly one exit per init process", () => {
    const got = events(DEFAULT_IGNORED).map((e) => `${e.type} ${e.id}`);
    // The exec process exit (id ex1) must not count; the init's TaskExit and
    // TaskDelete (id "") both do — the core treats a second exit as a no-op.
    assert.deepEqual(got, ["started rec1", "paused rec1", "unpaused rec1", "exited rec1", "exited rec1"]);
  });

  it("carry the engine's timestamp in ms and an unknown project on exits", () => {
    const exit = decodeEnvelope(envelope("kill+rm rec1: default /tasks/exit"), DEFAULT_IGNORED);
    assert.equal(exit.kind, "event");
    if (exit.kind !== "event") return;
    assert.equal(exit.event.type, "exited");
    assert.equal(exit.event.type === "exited" && exit.event.project, PROJECT_UNKNOWN);
    const seconds = Number(envelope("kill+rm rec1: default /tasks/exit").timestamp?.seconds);
    assert.ok(Math.floor(exit.event.time / 1000) === seconds, `time ${exit.event.time} vs seconds ${seconds}`);
  });

  it("ignore an exec process's TaskExit (id != container_id)", () => {
    const exec = envelope("exec --exec-id ex1 rec1 /bin/true: default /tasks/exit");
    assert.deepEqual(decodeEnvelope(exec, DEFAULT_IGNORED), { kind: "ignored" });
  });

  it("drop events of ignored namespaces, and keep them when the namespace is not ignored", () => {
    assert.ok(!events(DEFAULT_IGNORED).some((e) => e.id.includes("recm")));
    const all = events(new Set()).map((e) => `${e.type} ${e.id}`);
    assert.ok(all.includes("started moby/recm"), all.join(", "));
    assert.ok(all.includes("exited moby/recm"), all.join(", "));
  });

  it("namespace IDs outside the default namespace", () => {
    const start = envelope("default /tasks/start");
    start.namespace = "custom";
    const outcome = decodeEnvelope(start, DEFAULT_IGNORED);
    assert.equal(outcome.kind === "event" && outcome.event.id, "custom/rec1");
  });

  it("skip unknown topics (unfiltered container events) with a diagnostic naming topic and namespace", () => {
    const outcome = decodeEnvelope(envelope("/containers/create"), DEFAULT_IGNORED);
    assert.equal(outcome.kind, "skipped");
    assert.match(outcome.kind === "skipped" ? outcome.reason : "", /"\/containers\/create".*"default".*unknown topic/);
  });

  it("skip a known topic whose Any carries an unknown type", () => {
    const start = envelope("default /tasks/start");
    assert.ok(start.event);
    start.event.typeUrl = "containerd.events.TaskSomethingNew";
    const outcome = decodeEnvelope(start, DEFAULT_IGNORED);
    assert.equal(outcome.kind, "skipped");
    assert.match(outcome.kind === "skipped" ? outcome.reason : "", /unexpected payload type "containerd\.events\.TaskSomethingNew"/);
  });

  it("accept a type.googleapis.com/ prefix, though containerd sends bare type names", () => {
    const start = envelope("default /tasks/start");
    assert.equal(start.event?.typeUrl, "containerd.events.TaskStart");
    start.event!.typeUrl = "type.googleapis.com/containerd.events.TaskStart";
    assert.equal(decodeEnvelope(start, DEFAULT_IGNORED).kind, "event");
  });

  it("skip undecodable payloads with a diagnostic instead of throwing", () => {
    const exit = envelope("kill+rm rec1: default /tasks/exit");
    exit.event!.value = new Uint8Array([0x0a, 0x7f, 0x41]); // field 1 claims 127 bytes, 1 follows
    const outcome = decodeEnvelope(exit, DEFAULT_IGNORED);
    assert.equal(outcome.kind, "skipped");
    assert.match(outcome.kind === "skipped" ? outcome.reason : "", /undecodable containerd\.events\.TaskExit/);
  });

  it("skip envelopes without payload or container ID", () => {
    const noPayload = envelope("pause rec1: default /tasks/paused");
    noPayload.event = undefined;
    assert.equal(decodeEnvelope(noPayload, DEFAULT_IGNORED).kind, "skipped");
    const noId = envelope("pause rec1: default /tasks/paused");
    noId.event!.value = new Uint8Array();
    assert.equal(decodeEnvelope(noId, DEFAULT_IGNORED).kind, "skipped");
  });

  it("subscribes with quoted topic filters", () => {
    for (const filter of EVENT_FILTERS) assert.match(filter, /^topic=="\/tasks\/[a-z]+"$/);
  });
});
