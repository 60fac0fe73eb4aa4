/**
 * Decodes containerd event envelopes into engine-neutral lifecycle events.
 *
 * @module
 */

import { fromBinary } from "@bufbuild/protobuf";
import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { Any } from "@bufbuild/protobuf/wkt";
import { PROJECT_UNKNOWN } from "../../lib/engine.ts";
import type { EngineEvent } from "../../lib/engine.ts";
import {
  TaskDeleteSchema,
  TaskExitSchema,
  TaskOOMSchema,
  TaskPausedSchema,
  TaskResumedSchema,
  TaskStartSchema,
} from "./gen/containerd/events/task_pb.ts";
import type { Envelope } from "./gen/containerd/services/events/v1/events_pb.ts";
import { namespacedRef } from "./naming.ts";

/**
 * The Subscribe filters: OR-ed, one per topic. Topics start with `/`, which
 * containerd's filter scanner treats as a quote rune, so they must be quoted.
 */
export const EVENT_FILTERS: readonly string[] = [
  'topic=="/tasks/start"',
  'topic=="/tasks/exit"',
  'topic=="/tasks/delete"',
  'topic=="/tasks/paused"',
  'topic=="/tasks/resumed"',
  'topic=="/tasks/oom"',
];

/** What became of one envelope. */
export type EnvelopeOutcome =
  /** A lifecycle event for the watcher. */
  | { readonly kind: "event"; readonly event: EngineEvent }
  /** The OOM killer hit the container `id` (a whalewatcher ID); its next exit was an OOM kill. */
  | { readonly kind: "oom"; readonly id: string }
  /** Nothing for the watcher, as expected (an ignored namespace, an exec process). */
  | { readonly kind: "ignored" }
  /** Unusable: an unknown topic or payload type, or an undecodable payload. */
  | { readonly kind: "skipped"; readonly reason: string };

const IGNORED: EnvelopeOutcome = Object.freeze({ kind: "ignored" });

/** Decodes `any` when it carries a `schema` message; its type URL is the bare full message name. */
function unpack<Desc extends DescMessage>(any: Any | undefined, schema: Desc): MessageShape<Desc> | string {
  if (any === undefined) return "no payload";
  // Tolerate a type.googleapis.com/-style prefix, though containerd sends bare names.
  const typeName = any.typeUrl.slice(any.typeUrl.lastIndexOf("/") + 1);
  if (typeName !== schema.typeName) return `unexpected payload type "${any.typeUrl}"`;
  try {
    return fromBinary(schema, any.value);
  } catch (error) {
    return `undecodable ${schema.typeName} payload: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/**
 * Turns one envelope into a lifecycle event. Envelopes from `ignored`
 * namespaces are ignored, as are exits and deletions of exec processes
 * (containerd reports those with the exec ID in `id`): only the init process
 * ending means the container ended. Task events carry no labels, so exits
 * have an unknown project; they carry `exit_status` as the exit code and
 * `exited_at` as the event time (else the envelope's). `/tasks/oom` becomes
 * an `oom` outcome, which the event stream folds into the next exit.
 */
export function decodeEnvelope(envelope: Envelope, ignored: ReadonlySet<string>): EnvelopeOutcome {
  const namespace = envelope.namespace;
  if (ignored.has(namespace)) return IGNORED;
  if (namespace === "") return skipped(envelope, "no namespace");
  const time = envelope.timestamp ? timestampMs(envelope.timestamp) : Date.now();
  const event = (e: EngineEvent): EnvelopeOutcome => ({ kind: "event", event: e });
  switch (envelope.topic) {
    case "/tasks/start": {
      const payload = unpack(envelope.event, TaskStartSchema);
      if (typeof payload === "string") return skipped(envelope, payload);
      if (payload.containerId === "") return skipped(envelope, "no container_id");
      return event({ type: "started", id: namespacedRef(namespace, payload.containerId), time });
    }
    case "/tasks/exit":
    case "/tasks/delete": {
      const payload = unpack(envelope.event, envelope.topic === "/tasks/exit" ? TaskExitSchema : TaskDeleteSchema);
      if (typeof payload === "string") return skipped(envelope, payload);
      if (payload.containerId === "") return skipped(envelope, "no container_id");
      // TaskDelete of the init process may leave id empty.
      const initProcess = payload.id === payload.containerId ||
        (envelope.topic === "/tasks/delete" && payload.id === "");
      if (!initProcess) return IGNORED;
      const exitedAt = payload.exitedAt ? timestampMs(payload.exitedAt) : 0;
      return event({
        type: "exited",
        id: namespacedRef(namespace, payload.containerId),
        project: PROJECT_UNKNOWN,
        // A zero exited_at (unset) is unknown: keep the envelope's time.
        time: exitedAt > 0 ? exitedAt : time,
        exit: { code: payload.exitStatus },
        // Which instance ended: a late exit of the task before a restart must not end the new one.
        ...(payload.pid > 0 ? { pid: payload.pid } : {}),
      });
    }
    case "/tasks/oom": {
      const payload = unpack(envelope.event, TaskOOMSchema);
      if (typeof payload === "string") return skipped(envelope, payload);
      if (payload.containerId === "") return skipped(envelope, "no container_id");
      return { kind: "oom", id: namespacedRef(namespace, payload.containerId) };
    }
    case "/tasks/paused":
    case "/tasks/resumed": {
      const paused = envelope.topic === "/tasks/paused";
      const payload = unpack(envelope.event, paused ? TaskPausedSchema : TaskResumedSchema);
      if (typeof payload === "string") return skipped(envelope, payload);
      if (payload.containerId === "") return skipped(envelope, "no container_id");
      return event({ type: paused ? "paused" : "unpaused", id: namespacedRef(namespace, payload.containerId), time });
    }
    default:
      return skipped(envelope, "unknown topic");
  }
}

function skipped(envelope: Envelope, reason: string): EnvelopeOutcome {
  return {
    kind: "skipped",
    reason: `skipping containerd event ${JSON.stringify(envelope.topic)} in namespace ` +
      `${JSON.stringify(envelope.namespace)}: ${reason}`,
  };
}
