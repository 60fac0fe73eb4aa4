/**
 * An engine-less, scripted stand-in for a CRI runtime: a Connect gRPC server
 * on a unix socket (node:http2) serving Version, the list and status calls
 * from a state the test changes at will, and GetContainerEvents as the test
 * scripts it (events pushed when the test says so — or never, twice, out of
 * order, late — a stream that ends at once, UNIMPLEMENTED, an error).
 *
 * @module
 */

import * as http2 from "node:http2";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { ConnectRouter, HandlerContext } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import {
  ContainerEventResponseSchema,
  ContainerSchema,
  ContainerState,
  ContainerStatusSchema,
  PodSandboxSchema,
  PodSandboxState,
  PodSandboxStatusSchema,
  RuntimeService,
} from "../../engines/cri/gen/runtime/v1/api_pb.ts";
import type { ContainerEventResponse, ContainerEventType } from "../../engines/cri/gen/runtime/v1/api_pb.ts";
import { unixSocketServer } from "./unix-server.ts";

/** A pod sandbox of the fake's state. */
export interface FakeSandbox {
  /** Pod name (empty: a malformed record). */
  name: string;
  /** Pod namespace. */
  namespace: string;
  /** Pod UID. */
  uid: string;
  /** 0 READY, 1 NOTREADY, anything else: an unknown value. */
  state: number;
  /** PID in the verbose info. */
  pid: number;
  /** Replaces the verbose `info` map; default `{ info: JSON({ pid, processStatus }) }`. */
  info?: Record<string, string>;
  /** containerd's sandbox process status in the verbose info; default `running`. */
  processStatus?: string;
}

/** A workload container of the fake's state. */
export interface FakeContainer {
  /** Its pod's sandbox ID (which may be missing from the state: a pod that is gone). */
  sandboxId: string;
  /** Kubernetes container name. */
  name: string;
  /** 0 CREATED, 1 RUNNING, 2 EXITED, 3 UNKNOWN, anything else: an unknown value. */
  state: number;
  /** PID in the verbose info. */
  pid: number;
  /** Exit code, for an EXITED container. */
  exitCode?: number;
  /** Replaces the verbose `info` map; default `{ info: JSON({ pid, sandboxID }) }`. */
  info?: Record<string, string>;
  /** The state ContainerStatus tells, when it differs from the listed `state` (e.g. an unknown enum value). */
  statusState?: number;
}

/** How GetContainerEvents behaves. */
export type FakeEventsMode =
  /** Stays open and sends what {@linkcode FakeCri.emit} pushes (containerd 2.x). */
  | "stream"
  /** Ends at once with OK (CRI-O without `enable_pod_events`). */
  | "end"
  /** UNIMPLEMENTED (containerd 1.6). */
  | "unimplemented"
  /** Fails at once with INTERNAL. */
  | "error";

/** A runtime event as {@linkcode FakeCri.emit} takes it. */
export interface FakeEvent {
  /** Container ID, or sandbox ID for a sandbox event. */
  id: string;
  /** 0 created, 1 started, 2 stopped, 3 deleted (or an unknown value). */
  type: number;
  /** Whether it is a sandbox event (it then carries the sandbox status, as containerd sends). */
  sandbox?: boolean;
}

/** Event type numbers of `ContainerEventType`. */
export const CRI_EVENT = { CREATED: 0, STARTED: 1, STOPPED: 2, DELETED: 3 } as const;

/** A running fake CRI runtime. */
export interface FakeCri extends AsyncDisposable {
  /** Its socket path. */
  readonly socket: string;
  /** The sandboxes by ID: change them at will, the next call sees the change. */
  readonly sandboxes: Map<string, FakeSandbox>;
  /** The workload containers by ID, likewise. */
  readonly containers: Map<string, FakeContainer>;
  /** Every call's method name (e.g. `ListContainers`), in order. */
  readonly calls: string[];
  /** How the next GetContainerEvents call behaves (default from the options). */
  eventsMode: FakeEventsMode;
  /** Open GetContainerEvents streams. */
  readonly subscribers: number;
  /** Sends an event on every open events stream. */
  emit(event: FakeEvent): void;
  /** Fails every open events stream with INTERNAL. */
  failStreams(): void;
  /** Ends every open events stream with OK (after the events already sent). */
  endStreams(): void;
  /** Waits (bounded) until `count` events streams are open. */
  waitForSubscribers(count: number, timeoutMs?: number): Promise<void>;
  /** Stops the server, drops its connections and removes the socket directory. */
  close(): Promise<void>;
}

/** Ends a stream, when a subscriber's queue reaches it. */
const END = Symbol("end");

interface Subscriber {
  push(event: ContainerEventResponse | Error | typeof END): void;
}

/** Starts a fake CRI runtime with an empty state. */
export async function startFakeCri(options: { eventsMode?: FakeEventsMode } = {}): Promise<FakeCri> {
  const sandboxes = new Map<string, FakeSandbox>();
  const containers = new Map<string, FakeContainer>();
  const calls: string[] = [];
  const subscribers = new Set<Subscriber>();
  let eventsMode: FakeEventsMode = options.eventsMode ?? "stream";

  const sandboxRecord = (id: string, sandbox: FakeSandbox) => ({
    id,
    metadata: { name: sandbox.name, namespace: sandbox.namespace, uid: sandbox.uid, attempt: 0 },
    state: sandbox.state as PodSandboxState,
    labels: { app: sandbox.name },
    annotations: { "example.com/pod": sandbox.name },
  });
  const containerStatus = (id: string, container: FakeContainer) =>
    create(ContainerStatusSchema, {
      id,
      metadata: { name: container.name, attempt: 0 },
      state: (container.statusState ?? container.state) as ContainerState,
      exitCode: container.exitCode ?? 0,
      finishedAt: container.state === ContainerState.CONTAINER_EXITED ? 1_700_000_000_000_000_000n : 0n,
      labels: { "io.kubernetes.container.name": container.name },
      annotations: {},
    });
  const sandboxStatus = (id: string, sandbox: FakeSandbox) => create(PodSandboxStatusSchema, sandboxRecord(id, sandbox));
  const record = (method: string): void => {
    calls.push(method);
  };

  const routes = (router: ConnectRouter): void => {
    router.service(RuntimeService, {
      version: () => {
        record("Version");
        return { version: "0.1.0", runtimeName: "fake-cri", runtimeVersion: "1.0.0", runtimeApiVersion: "v1" };
      },
      listContainers: (request) => {
        record("ListContainers");
        const filter = request.filter;
        const wanted = filter?.state?.state;
        const items = [...containers]
          .filter(([id, c]) => (filter?.id ? id === filter.id : true) && (wanted === undefined || c.state === wanted))
          .map(([id, c]) =>
            create(ContainerSchema, {
              id,
              podSandboxId: c.sandboxId,
              metadata: { name: c.name, attempt: 0 },
              state: c.state as ContainerState,
              labels: {},
              annotations: {},
            })
          );
        return { containers: items };
      },
      listPodSandbox: (request) => {
        record("ListPodSandbox");
        const filter = request.filter;
        const wanted = filter?.state?.state;
        const items = [...sandboxes]
          .filter(([id, s]) => (filter?.id ? id === filter.id : true) && (wanted === undefined || s.state === wanted))
          .map(([id, s]) => create(PodSandboxSchema, sandboxRecord(id, s)));
        return { items };
      },
      containerStatus: (request) => {
        record("ContainerStatus");
        const container = containers.get(request.containerId);
        if (container === undefined) throw new ConnectError(`container "${request.containerId}" not found`, Code.NotFound);
        const info = container.info ?? { info: JSON.stringify({ sandboxID: container.sandboxId, pid: container.pid }) };
        return { status: containerStatus(request.containerId, container), info: request.verbose ? info : {} };
      },
      podSandboxStatus: (request) => {
        record("PodSandboxStatus");
        const sandbox = sandboxes.get(request.podSandboxId);
        if (sandbox === undefined) throw new ConnectError(`sandbox "${request.podSandboxId}" not found`, Code.NotFound);
        const info = sandbox.info ?? { info: JSON.stringify({ pid: sandbox.pid, processStatus: sandbox.processStatus ?? "running" }) };
        return { status: sandboxStatus(request.podSandboxId, sandbox), info: request.verbose ? info : {} };
      },
      getContainerEvents: async function* (_request, context: HandlerContext) {
        record("GetContainerEvents");
        if (eventsMode === "unimplemented") throw new ConnectError("not implemented", Code.Unimplemented);
        if (eventsMode === "error") throw new ConnectError("events broken", Code.Internal);
        if (eventsMode === "end") return;
        const queue: Array<ContainerEventResponse | Error | typeof END> = [];
        let wake: (() => void) | undefined;
        const subscriber: Subscriber = {
          push(event) {
            queue.push(event);
            wake?.();
          },
        };
        subscribers.add(subscriber);
        const aborted = new Promise<void>((resolve) => context.signal.addEventListener("abort", () => resolve(), { once: true }));
        try {
          while (!context.signal.aborted) {
            const next = queue.shift();
            if (next instanceof Error) throw next;
            if (next === END) return;
            if (next !== undefined) {
              yield next;
              continue;
            }
            await Promise.race([aborted, new Promise<void>((resolve) => (wake = resolve))]);
          }
        } finally {
          subscribers.delete(subscriber);
        }
      },
    });
  };

  const server = http2.createServer(connectNodeAdapter({ routes, grpc: true, connect: false, grpcWeb: false }));
  const sessions = new Set<http2.Http2Session>();
  server.on("session", (session: http2.Http2Session) => {
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
  });
  const listening = await unixSocketServer(server, "cri.sock");
  const close = async (): Promise<void> => {
    for (const session of sessions) session.destroy();
    await listening.close();
  };
  return {
    socket: listening.socket,
    sandboxes,
    containers,
    calls,
    get eventsMode() {
      return eventsMode;
    },
    set eventsMode(mode: FakeEventsMode) {
      eventsMode = mode;
    },
    get subscribers() {
      return subscribers.size;
    },
    emit(event) {
      const sandbox = event.sandbox ? sandboxes.get(event.id) : undefined;
      const message = create(ContainerEventResponseSchema, {
        containerId: event.id,
        containerEventType: event.type as ContainerEventType,
        createdAt: BigInt(Date.now()) * 1_000_000n,
        ...(event.sandbox ? { podSandboxStatus: sandbox ? sandboxStatus(event.id, sandbox) : { id: event.id } } : {}),
      });
      for (const subscriber of subscribers) subscriber.push(message);
    },
    failStreams() {
      for (const subscriber of subscribers) subscriber.push(new ConnectError("events broken", Code.Internal));
    },
    endStreams() {
      for (const subscriber of subscribers) subscriber.push(END);
    },
    async waitForSubscribers(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (subscribers.size < count) {
        if (Date.now() > deadline) throw new Error(`fake CRI: ${subscribers.size} of ${count} events streams open after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
