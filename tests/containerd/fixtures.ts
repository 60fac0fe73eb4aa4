/**
 * Loads the recorded containerd fixtures (see fixtures/containerd/record.ts).
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { fromBinary } from "@bufbuild/protobuf";
import { EnvelopeSchema } from "../../engines/containerd/gen/containerd/services/events/v1/events_pb.ts";
import type { Envelope } from "../../engines/containerd/gen/containerd/services/events/v1/events_pb.ts";
import { ListNamespacesResponseSchema } from "../../engines/containerd/gen/containerd/services/namespaces/v1/namespace_pb.ts";
import { ListTasksResponseSchema } from "../../engines/containerd/gen/containerd/services/tasks/v1/tasks_pb.ts";
import type { Process } from "../../engines/containerd/gen/containerd/types/task/task_pb.ts";
import { ListContainersResponseSchema } from "../../engines/containerd/gen/containerd/services/containers/v1/containers_pb.ts";
import type { Container as ContainerRecord } from "../../engines/containerd/gen/containerd/services/containers/v1/containers_pb.ts";

const dir = new URL("../../fixtures/containerd/", import.meta.url);
const bytes = (base64: string): Uint8Array => new Uint8Array(Buffer.from(base64, "base64"));

/** The recorded envelopes of a scripted lifecycle, in order, with a note each. */
export function recordedEnvelopes(): Array<{ note: string; envelope: Envelope }> {
  const file = JSON.parse(readFileSync(new URL("events.json", dir), "utf8")) as {
    envelopes: Array<{ note: string; envelope: string }>;
  };
  return file.envelopes.map(({ note, envelope }) => ({ note, envelope: fromBinary(EnvelopeSchema, bytes(envelope)) }));
}

/** The recorded list responses: namespace names and, per namespace, tasks and containers. */
export function recordedLists(): {
  namespaces: string[];
  perNamespace: Map<string, { tasks: Process[]; containers: ContainerRecord[] }>;
} {
  const file = JSON.parse(readFileSync(new URL("lists.json", dir), "utf8")) as {
    namespaces: string;
    perNamespace: Record<string, { tasks: string; containers: string }>;
  };
  const namespaces = fromBinary(ListNamespacesResponseSchema, bytes(file.namespaces)).namespaces.map((n) => n.name);
  const perNamespace = new Map(
    Object.entries(file.perNamespace).map(([name, lists]) => [name, {
      tasks: fromBinary(ListTasksResponseSchema, bytes(lists.tasks)).tasks,
      containers: fromBinary(ListContainersResponseSchema, bytes(lists.containers)).containers,
    }]),
  );
  return { namespaces, perNamespace };
}
