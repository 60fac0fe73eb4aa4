/**
 * The Docker engine client: lists and inspects alive containers and
 * subscribes to their lifecycle events over the Docker Engine HTTP API.
 *
 * @module
 */

import { mapConcurrent } from "../../lib/async/pool.ts";
import type { EngineClient, EngineExit, EventStream, LifecycleEventsOptions, LoggedEvent } from "../../lib/engine.ts";
import { EngineProtocolError } from "../../lib/errors.ts";
import type { Container } from "../../lib/model/container.ts";
import { parseApiVersion } from "./api-version.ts";
import { DockerConnection, type TransportFactory } from "./connection.ts";
import { containerFromInspect, exitFromInspect, idsFromList, loggedContainerOf, type Packer } from "./convert.ts";
import { DockerEventStream, OomMarks, readEventLog } from "./events.ts";
import { type DockerEnv, podmanDefaultHost, processEnv, resolveDockerHost } from "./host.ts";

/**
 * Engine type of Docker.
 *
 * @example Is it Docker or podman behind the Docker API?
 * ```ts
 * import { DOCKER_ENGINE_TYPE, DockerClient, PODMAN_ENGINE_TYPE } from "@whalewatcher/whalewatcher";
 *
 * await using client = new DockerClient();
 * await client.version(); // the first contact tells
 * console.log(client.type === DOCKER_ENGINE_TYPE ? "Docker" : client.type === PODMAN_ENGINE_TYPE ? "podman" : client.type);
 * ```
 */
export const DOCKER_ENGINE_TYPE = "docker.com";
/**
 * Engine type of podman's Docker-compatible API.
 *
 * @example podman's Docker API is recognised
 * ```ts
 * import { DockerClient, PODMAN_ENGINE_TYPE } from "@whalewatcher/whalewatcher";
 *
 * await using client = new DockerClient({ host: "unix:///run/podman/podman.sock" });
 * console.log(await client.version(), client.type === PODMAN_ENGINE_TYPE); // e.g. 4.3.1 true
 * ```
 */
export const PODMAN_ENGINE_TYPE = "podman.io";
/** Default number of inspects in flight while listing. */
export const DEFAULT_LIST_CONCURRENCY = 8;

/** The list request: alive containers. podman's unfiltered list omits paused ones. */
const LIST_PATH = `/containers/json?filters=${encodeURIComponent(JSON.stringify({ status: ["running", "paused"] }))}`;

/**
 * Options of a {@linkcode DockerClient}.
 *
 * @example A rootless Docker, with a fixed API version
 * ```ts
 * import { DockerClient, type DockerClientOptions } from "@whalewatcher/whalewatcher";
 *
 * const options: DockerClientOptions = { host: "unix:///var/run/docker.sock", apiVersion: "1.41", concurrency: 4 };
 * await using client = new DockerClient(options);
 * console.log(client.api, client.addressSource, await client.version());
 * ```
 */
export interface DockerClientOptions {
  /**
   * Engine address: `unix:///path`, a bare `/path`, `tcp://host:port[/base]`
   * or `http(s)://…`. Default, as the Docker CLI: `DOCKER_HOST`, else the
   * current Docker CLI context (`DOCKER_CONTEXT`, else `currentContext` in
   * `$DOCKER_CONFIG/config.json`, default `~/.docker`), else
   * `unix:///var/run/docker.sock`; with `type: "podman.io"` podman's sockets instead.
   */
  host?: string;
  /** Fixed API version `MAJOR.MINOR`; default `DOCKER_API_VERSION`, else negotiated. */
  apiVersion?: string;
  /** How many containers are inspected at the same time while listing (default 8). */
  concurrency?: number;
  /** Computes each container's rucksack from the container and its full inspect JSON. */
  packer?: Packer;
  /**
   * Engine type; default `docker.com`, or `podman.io` once podman is detected. `podman.io` also makes a
   * client without `host` connect to podman's sockets (this user's rootless one when it exists, else
   * `unix:///run/podman/podman.sock`) instead of Docker's, and its errors name podman ("no podman engine
   * at …") and its sockets.
   */
  type?: string;
  /** The engine's PID when known (default 0). */
  pid?: number;
  /** Where to read `DOCKER_*` variables from instead of the process environment. */
  env?: DockerEnv;
  /**
   * Creates the HTTP transport; default: the runtime's unix/TCP transport. For tests and custom transports:
   * the types are exported by the `./testing` entry point.
   *
   * @internal
   */
  transportFactory?: TransportFactory;
}

/**
 * A read-only {@linkcode EngineClient} for Docker and Docker-compatible
 * engines (podman). Connects lazily on the first request, negotiating the
 * API version once.
 *
 * @example The alive containers of Docker, found as the Docker CLI finds it
 * ```ts
 * import { DockerClient } from "@whalewatcher/whalewatcher";
 *
 * await using client = new DockerClient(); // DOCKER_HOST, else the CLI context, else /var/run/docker.sock
 * console.log(`${client.type} ${await client.version()} at ${client.api} (from ${client.addressSource})`);
 * for (const container of await client.list()) console.log(container.name, container.pid, container.project);
 * ```
 */
export class DockerClient implements EngineClient, AsyncDisposable {
  /** The engine's PID, or 0 when not given. */
  readonly pid: number;
  /** The engine address, e.g. `unix:///var/run/docker.sock`. */
  readonly api: string;
  /**
   * Where {@linkcode DockerClient.api} came from: `the host option`,
   * `DOCKER_HOST`, `docker context "NAME" (from DOCKER_CONTEXT)` (or from
   * `currentContext in …/config.json`), or `the default`.
   */
  readonly addressSource: string;
  readonly #connection: DockerConnection;
  readonly #typeOverride: string | undefined;
  readonly #concurrency: number;
  readonly #packer: Packer | undefined;

  /**
   * Creates a client; nothing is connected yet.
   *
   * @throws {TypeError} on an invalid host address, API version or concurrency.
   * @throws {EngineError} when the selected Docker CLI context cannot be read.
   */
  constructor(options: DockerClientOptions = {}) {
    const env = options.env ?? processEnv();
    const fixedVersion = options.apiVersion || env.DOCKER_API_VERSION || undefined;
    const concurrency = options.concurrency ?? DEFAULT_LIST_CONCURRENCY;
    if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
      throw new TypeError(`concurrency must be a positive integer, got ${String(options.concurrency)}`);
    }
    const podman = options.type === PODMAN_ENGINE_TYPE;
    const host = podman && !options.host ? podmanDefaultHost() : resolveDockerHost(options.host, env);
    this.#connection = new DockerConnection(host, {
      ...(fixedVersion ? { apiVersion: parseApiVersion(fixedVersion) } : {}),
      ...(options.transportFactory ? { transportFactory: options.transportFactory } : {}),
      ...(podman ? { flavour: "podman" as const } : {}),
    });
    this.api = this.#connection.api;
    this.addressSource = this.#connection.source;
    this.pid = options.pid ?? 0;
    this.#typeOverride = options.type;
    this.#concurrency = concurrency;
    this.#packer = options.packer;
  }

  /** `docker.com`, or `podman.io` once a request revealed podman, unless overridden by the `type` option. */
  get type(): string {
    return this.#typeOverride ?? (this.#connection.podman ? PODMAN_ENGINE_TYPE : DOCKER_ENGINE_TYPE);
  }

  /** The API version in use (negotiating first if needed), e.g. `1.41`. */
  async apiVersion(signal?: AbortSignal): Promise<string> {
    return (await this.#connection.negotiated(signal)).apiVersion;
  }

  /**
   * The engine's `/info` ID, stable for the life of the engine's data (a
   * restarted engine on another data root has another). "" for podman: its
   * Docker-compatible `/info` answers a fresh random UUID on every request
   * (seen with podman 4.3), which identifies nothing.
   */
  async id(signal?: AbortSignal): Promise<string> {
    // podman's /info takes a second or more (it runs its OCI runtime and conmon for their versions): skip it when /_ping told podman.
    await this.#connection.negotiated(signal);
    if (this.#connection.podman) return "";
    const info = await this.#getObject("/info", signal);
    if (this.#connection.podman) return "";
    return typeof info.ID === "string" ? info.ID : "";
  }

  /**
   * The engine's `/version` Version (also detects podman from its
   * components). For podman, the version its `/_ping` told (`Server:
   * Libpod/<version>`), where it did: its `/version`, like its `/info`,
   * takes seconds.
   */
  async version(signal?: AbortSignal): Promise<string> {
    const { podmanVersion } = await this.#connection.negotiated(signal);
    if (podmanVersion !== undefined) return podmanVersion;
    const version = await this.#getObject("/version", signal);
    const components = Array.isArray(version.Components) ? version.Components as Array<{ Name?: unknown }> : [];
    const platform = (version.Platform as { Name?: unknown } | undefined)?.Name;
    if (
      components.some((c) => typeof c?.Name === "string" && /podman/i.test(c.Name)) ||
      (typeof platform === "string" && /podman/i.test(platform))
    ) {
      this.#connection.detectedPodman();
    }
    return typeof version.Version === "string" ? version.Version : "";
  }

  /**
   * Lists the alive containers: the running and paused ones, each inspected
   * (up to `concurrency` at a time). Containers that vanished meanwhile or
   * have no PID are skipped; any other failure fails the list.
   */
  async list(signal?: AbortSignal): Promise<Container[]> {
    const ids = idsFromList(await this.#connection.getJson(LIST_PATH, signal), this.api);
    const results = await mapConcurrent(ids, this.#concurrency, (id, inspectSignal) => this.#inspect(id, inspectSignal), signal);
    return results.filter((c): c is Container => c !== undefined);
  }

  /** Inspects one container; `undefined` when it does not exist or is not alive. */
  inspect(nameOrId: string, signal?: AbortSignal): Promise<Container | undefined> {
    return this.#inspect(nameOrId, signal);
  }

  /**
   * The last exit of a container that is not alive, from its inspect
   * (`State.ExitCode`, `State.FinishedAt`, `State.OOMKilled`): a read-only
   * `GET /containers/{id}/json`. `undefined` when the container is gone
   * (404), alive, or never ran.
   */
  async exitDetails(id: string, signal?: AbortSignal): Promise<EngineExit | undefined> {
    const inspect = await this.#connection.getJson(`/containers/${encodeURIComponent(id)}/json`, signal, "undefined");
    return inspect === undefined ? undefined : exitFromInspect(inspect);
  }

  async #inspect(nameOrId: string, signal?: AbortSignal): Promise<Container | undefined> {
    const inspect = await this.#connection.getJson(`/containers/${encodeURIComponent(nameOrId)}/json`, signal, "undefined");
    return inspect === undefined ? undefined : containerFromInspect(inspect, this.api, this.#packer);
  }

  /**
   * Subscribes to container lifecycle events; see {@linkcode DockerEventStream}
   * for how `subscribed` and `since` work.
   */
  lifecycleEvents(options: LifecycleEventsOptions): EventStream {
    return new DockerEventStream(this.#connection, options);
  }

  /**
   * The container lifecycle events the engine logged from `since` until now
   * (`GET /events?since=…&until=…`), with the name, labels and project the
   * log gives; an OOM kill marks the exit that follows it.
   */
  async eventLog(since: number, signal: AbortSignal = new AbortController().signal): Promise<LoggedEvent[]> {
    const marks = new OomMarks();
    const logged: LoggedEvent[] = [];
    for (const message of await readEventLog(this.#connection, since, signal)) {
      const event = marks.decode(message);
      if (event) logged.push({ event, ...loggedContainerOf(message) });
    }
    return logged;
  }

  /** Closes every connection; pending requests and event streams end with an error. */
  close(): Promise<void> {
    return this.#connection.close();
  }

  /** Same as {@linkcode DockerClient.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #getObject(path: string, signal?: AbortSignal): Promise<Record<string, unknown>> {
    const body = await this.#connection.getJson(path, signal);
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      throw new EngineProtocolError(`${this.api} answered ${path} with something other than a JSON object`, {
        endpoint: this.api,
        retryable: true,
      });
    }
    return body as Record<string, unknown>;
  }
}
