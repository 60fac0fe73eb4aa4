/**
 * The engine registry: every kind of engine whalewatcher can watch, with what
 * a front end needs to offer, open and explain it — its name, where it is
 * looked for by default, how its client is built, its command-line flag and
 * what to do when it is not reachable. The CLI's argument parsing, engine
 * opening and failure report are driven by this one table, so adding an
 * engine is one folder under `engines/` plus one entry here.
 *
 * @module
 */

import type { DiscoveryFacts } from "../lib/discovery/types.ts";
import type { EngineClient } from "../lib/engine.ts";
import type { WatcherLogger } from "../lib/watcher.ts";
// Only the default endpoints are imported up front: each client (the Docker one with its HTTP stack, the
// containerd one with gRPC) is imported by its `create`, so a run loads only the engines it opens.
import { DEFAULT_CONTAINERD_SOCKET } from "./containerd/socket.ts";
import { DEFAULT_DOCKER_HOST, DOCKER_VARIABLES } from "./docker/default-host.ts";
import { CONTAINERD_DISCOVERY } from "./containerd/discovery.ts";
import { DOCKER_DISCOVERY } from "./docker/discovery.ts";
import { CRI_DISCOVERY } from "./cri/discovery.ts";
import { DEFAULT_CRI_SOCKETS } from "./cri/sockets.ts";
import { ROOTFUL_PODMAN_HOST, ROOTLESS_PODMAN_SOCKET } from "./docker/podman-host.ts";

/** Options every engine kind's {@linkcode EngineKind.create} accepts. */
export interface EngineClientCommonOptions {
  /** Receives the client's diagnostics (such as skipped events); default: silent, as every client's default. */
  readonly logger?: WatcherLogger | undefined;
  /**
   * Attach each container's display details (image, start time; see
   * `lib/model/details.ts`) as its rucksack; default: no rucksack.
   */
  readonly details?: boolean | undefined;
}

/** The command-line option that points at an engine kind's endpoint, e.g. `--docker-host URL`. */
export interface EngineEndpointFlag {
  /** The option, with its dashes: `--docker-host`. */
  readonly name: string;
  /** The placeholder of its value in the usage text: `URL`, `PATH`. */
  readonly value: string;
  /** What the value is, for the usage text: `Docker API address`. */
  readonly description: string;
}

/** One kind of engine: everything the CLI needs to know about it. */
export interface EngineKind {
  /** The name users select it by (`--engine docker`), lower case: `docker`, `containerd`. */
  readonly name: string;
  /**
   * Where the engine is looked for when the user names no endpoint, in
   * discovery order; the first that answers is watched. `create(undefined)`
   * stands for the first of them (after the sources in
   * {@linkcode EngineKind.defaultSources}), the others are tried by passing
   * them to `create` explicitly.
   */
  readonly defaultEndpoints: readonly string[];
  /**
   * Settings the client consults before {@linkcode EngineKind.defaultEndpoints}
   * when it gets no endpoint, in order, as users know them: `$DOCKER_HOST`,
   * `the docker context`. Empty when there are none.
   */
  readonly defaultSources: readonly string[];
  /**
   * The environment variables the client reads for its settings (without an
   * endpoint); under Deno one that may not be read counts as unset, and the
   * CLI says which grant is missing. Absent: none.
   */
  readonly env?: readonly string[];
  /** The option naming the endpoint. */
  readonly flag: EngineEndpointFlag;
  /**
   * What to do when the engine is not reachable: one sentence (without the
   * final full stop) naming how to start it and the option to point at it.
   */
  readonly unreachableHint: string;
  /**
   * Builds the engine's client: for `endpoint` (in the form
   * {@linkcode EngineKind.flag} takes), or with `undefined` where the
   * engine's defaults say. Connects lazily; throws only on a malformed
   * endpoint or unreadable settings (a returned promise rejects then). May
   * import the client's module first, so that only opened engines load.
   */
  create(endpoint: string | undefined, options: EngineClientCommonOptions): EngineClient | Promise<EngineClient>;
  /** How discovery finds this kind's engines on a host (process names, settings, well-known sockets); absent: not discovered. */
  readonly discovery?: DiscoveryFacts;
  /**
   * `false`: `--engine all` does not open this kind by itself, because another kind already reaches its
   * engines (podman speaks the Docker API: the `docker` kind and its discovery find it); it is opened when
   * selected by name. Absent: part of `all`.
   */
  readonly inAll?: false;
}

/** A table of engine kinds; the CLI lists and opens them in this order. */
export type EngineRegistry = readonly EngineKind[];

/** The Docker API (Docker and podman). */
const DOCKER: EngineKind = {
  name: "docker",
  defaultEndpoints: [DEFAULT_DOCKER_HOST],
  defaultSources: ["$DOCKER_HOST", "the docker context"],
  env: DOCKER_VARIABLES,
  flag: { name: "--docker-host", value: "URL", description: "Docker API address" },
  unreachableHint: "start dockerd (or podman's API service), or point at it with --docker-host URL (or DOCKER_HOST); " +
    "on a permission error run as a user allowed on the socket (e.g. in the docker group) or with sudo",
  // The client resolves DOCKER_HOST and the context itself when it gets no host.
  create: async (endpoint, options) => {
    const { DockerClient } = await import("./docker/client.ts");
    const packer = options.details ? (await import("./docker/details.ts")).dockerDetails : undefined;
    return new DockerClient({
      ...(endpoint !== undefined ? { host: endpoint } : {}),
      ...(packer !== undefined ? { packer } : {}),
    });
  },
  discovery: DOCKER_DISCOVERY,
};

/**
 * podman's Docker-API service, by name: `--engine podman` looks at podman's
 * own sockets (rootless first, then rootful) instead of Docker's.
 */
const PODMAN: EngineKind = {
  name: "podman",
  defaultEndpoints: [ROOTFUL_PODMAN_HOST],
  defaultSources: [`${ROOTLESS_PODMAN_SOCKET} (rootless)`],
  env: ["XDG_RUNTIME_DIR"],
  flag: { name: "--podman-host", value: "URL", description: "podman API address" },
  unreachableHint: "start podman's API service (rootless: systemctl --user start podman.socket; rootful: " +
    "systemctl start podman.socket; or podman system service), or point at it with --podman-host URL " +
    "(`podman info --format '{{.Host.RemoteSocket.Path}}'` prints it)",
  create: async (endpoint, options) => {
    const { DockerClient, PODMAN_ENGINE_TYPE } = await import("./docker/client.ts");
    const packer = options.details ? (await import("./docker/details.ts")).dockerDetails : undefined;
    return new DockerClient({
      ...(endpoint !== undefined ? { host: endpoint } : {}),
      type: PODMAN_ENGINE_TYPE,
      ...(packer !== undefined ? { packer } : {}),
    });
  },
  inAll: false,
};

/** containerd's native gRPC API. */
const CONTAINERD: EngineKind = {
  name: "containerd",
  defaultEndpoints: [DEFAULT_CONTAINERD_SOCKET],
  defaultSources: [],
  flag: { name: "--containerd", value: "PATH", description: "containerd socket" },
  unreachableHint: "start containerd, or point at its socket with --containerd PATH; " +
    "on a permission error run as a user allowed on the socket or with sudo",
  create: async (endpoint, options) => {
    const { ContainerdClient } = await import("./containerd/client.ts");
    return new ContainerdClient({
      ...(endpoint !== undefined ? { socket: endpoint } : {}),
      ...(options.logger !== undefined ? { logger: options.logger } : {}),
      ...(options.details ? { packer: (await import("./containerd/details.ts")).containerdDetails } : {}),
    });
  },
  discovery: CONTAINERD_DISCOVERY,
};

/**
 * A Kubernetes node's runtime through CRI (containerd's CRI plugin, CRI-O).
 * On containerd it shares the native API's socket; both views together show
 * each container once, since the containerd client ignores the CRI plugin's
 * namespace `k8s.io`. A containerd without the CRI plugin does not answer.
 */
const CRI: EngineKind = {
  name: "cri",
  defaultEndpoints: DEFAULT_CRI_SOCKETS,
  defaultSources: [],
  flag: { name: "--cri", value: "PATH", description: "Kubernetes CRI runtime socket (containerd, CRI-O)" },
  unreachableHint: "start the node's CRI runtime (containerd with its CRI plugin, or CRI-O), or point at its socket with " +
    "--cri PATH; on a permission error run as root (in a pod: mount the socket writable)",
  create: async (endpoint, options) => {
    const { CriClient } = await import("./cri/client.ts");
    return new CriClient({
      ...(endpoint !== undefined ? { socket: endpoint } : {}),
      ...(options.logger !== undefined ? { logger: options.logger } : {}),
    });
  },
  discovery: CRI_DISCOVERY,
};

/** Every engine kind whalewatcher knows, in the order the CLI lists and shows them. */
export const ENGINE_REGISTRY: EngineRegistry = Object.freeze([DOCKER, PODMAN, CONTAINERD, CRI]);

/**
 * The registry's kinds named in `names` (all when absent), in registry
 * order. Throws `RangeError` for a name the registry does not know.
 */
export function registryKinds(names: readonly string[] | undefined, registry: EngineRegistry = ENGINE_REGISTRY): EngineRegistry {
  if (names === undefined) return registry;
  for (const name of names) {
    if (!registry.some((kind) => kind.name === name)) {
      throw new RangeError(`no engine kind named ${name} (known: ${registry.map((kind) => kind.name).join(", ")})`);
    }
  }
  return registry.filter((kind) => names.includes(kind.name));
}

/** The kind called `name` in `registry`, or `undefined`. */
export function engineKind(name: string, registry: EngineRegistry = ENGINE_REGISTRY): EngineKind | undefined {
  return registry.find((kind) => kind.name === name);
}

/**
 * Where a kind is looked for without an endpoint, as one phrase:
 * `$DOCKER_HOST, else the docker context, else unix:///var/run/docker.sock`.
 */
export function defaultEndpointsText(kind: EngineKind): string {
  return [...kind.defaultSources, ...kind.defaultEndpoints].join(", else ");
}
