/**
 * An engine-less stand-in for containerd: a Connect gRPC server on a unix
 * socket (node:http2) that answers with the recorded fixture responses and
 * replays the recorded event envelopes to every subscriber.
 *
 * @module
 */

import * as http2 from "node:http2";
import { unixSocketServer } from "./unix-server.ts";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { ConnectRouter, HandlerContext } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { Containers } from "../../engines/containerd/gen/containerd/services/containers/v1/containers_pb.ts";
import { Events } from "../../engines/containerd/gen/containerd/services/events/v1/events_pb.ts";
import type { Envelope } from "../../engines/containerd/gen/containerd/services/events/v1/events_pb.ts";
import { Namespaces, NamespaceSchema } from "../../engines/containerd/gen/containerd/services/namespaces/v1/namespace_pb.ts";
import { Tasks } from "../../engines/containerd/gen/containerd/services/tasks/v1/tasks_pb.ts";
import { Version } from "../../engines/containerd/gen/containerd/services/version/v1/version_pb.ts";
import { recordedEnvelopes, recordedLists } from "../containerd/fixtures.ts";

/** A running fake containerd. */
export interface FakeContainerd extends AsyncDisposable {
  /** Its socket path. */
  readonly socket: string;
  /** Namespaces named in the `containerd-namespace` header of each call, in order ("" when absent). */
  readonly namespaceHeaders: string[];
  /** Stops the server, drops its connections and removes the socket directory. */
  close(): Promise<void>;
}

/**
 * Starts a fake containerd serving Namespaces/List, Containers/List+Get,
 * Tasks/List+Get, Version and Events/Subscribe from the recorded fixtures.
 * Introspection is not served (UNIMPLEMENTED, like a containerd too old).
 */
export async function startFakeContainerd(options: {
  /** Envelopes to replay; default: the recorded ones. */
  envelopes?: Envelope[];
  /** After the envelopes, Subscribe waits for cancellation (default), ends, or fails with INVALID_ARGUMENT. */
  afterEnvelopes?: "wait" | "end" | "fail";
  /** Leave out the Namespaces service (UNIMPLEMENTED), like an endpoint that is not containerd. */
  withoutNamespaces?: boolean;
  /** Adds a label of this many bytes to every container of the default namespace. */
  labelBytes?: number;
} = {}): Promise<FakeContainerd> {
  const { namespaces, perNamespace } = recordedLists();
  if (options.labelBytes !== undefined) {
    for (const container of perNamespace.get("default")?.containers ?? []) {
      container.labels["bloat"] = "x".repeat(options.labelBytes);
    }
  }
  const envelopes = options.envelopes ?? recordedEnvelopes().map(({ envelope }) => envelope);
  const namespaceHeaders: string[] = [];
  const lists = (context: HandlerContext) => {
    const namespace = context.requestHeader.get("containerd-namespace") ?? "";
    namespaceHeaders.push(namespace);
    if (namespace === "") throw new ConnectError("namespace is required", Code.FailedPrecondition);
    return perNamespace.get(namespace) ?? { tasks: [], containers: [] };
  };
  const routes = (router: ConnectRouter): void => {
    if (!options.withoutNamespaces) {
      router.service(Namespaces, {
        list: () => ({ namespaces: namespaces.map((name) => create(NamespaceSchema, { name })) }),
      });
    }
    router.service(Containers, {
      list: (_request, context) => ({ containers: lists(context).containers }),
      get: (request, context) => {
        const container = lists(context).containers.find((c) => c.id === request.id);
        if (container === undefined) throw new ConnectError(`container "${request.id}" not found`, Code.NotFound);
        return { container };
      },
    });
    router.service(Tasks, {
      list: (_request, context) => ({ tasks: lists(context).tasks }),
      get: (request, context) => {
        const process = lists(context).tasks.find((t) => t.id === request.containerId);
        if (process === undefined) throw new ConnectError(`task ${request.containerId} not found`, Code.NotFound);
        return { process };
      },
    });
    router.service(Version, { version: () => ({ version: "fake", revision: "recorded" }) });
    router.service(Events, {
      subscribe: async function* (_request, context) {
        yield* envelopes;
        if (options.afterEnvelopes === "end") return;
        if (options.afterEnvelopes === "fail") throw new ConnectError("bad filter", Code.InvalidArgument);
        // Like containerd: the stream never ends on its own.
        await new Promise<void>((resolve) => context.signal.addEventListener("abort", () => resolve(), { once: true }));
      },
    });
  };
  const server = http2.createServer(connectNodeAdapter({ routes, grpc: true, connect: false, grpcWeb: false }));
  const sessions = new Set<http2.Http2Session>();
  server.on("session", (session: http2.Http2Session) => {
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
  });
  const listening = await unixSocketServer(server, "containerd.sock");
  const socket = listening.socket;
  const close = async (): Promise<void> => {
    for (const session of sessions) session.destroy();
    await listening.close();
  };
  return { socket, namespaceHeaders, close, [Symbol.asyncDispose]: close };
}
