/**
 * Opens the selected engines for the CLI: builds a client and a watcher per
 * engine and waits (bounded) for the first complete picture. An engine that
 * does not answer becomes an {@linkcode EngineFailure} naming the endpoint and
 * the typed error, instead of the watcher's endless reconnecting.
 *
 * @module
 */

import type { EngineClient } from "../lib/engine.ts";
import { Watcher } from "../lib/watcher.ts";
import type { WatcherLogger } from "../lib/watcher.ts";
import { DockerClient } from "../engines/docker/mod.ts";
import { ContainerdClient, DEFAULT_CONTAINERD_SOCKET } from "../engines/containerd/mod.ts";
import type { CliOptions } from "./args.ts";
import type { EngineFailure } from "./failure.ts";

/** An engine that answered: its watcher (synced) and identity. */
export interface OpenEngine {
  /** The synced watcher; closing it closes the client. */
  readonly watcher: Watcher;
  /** Engine instance ID. */
  readonly id: string;
  /** Engine version. */
  readonly version: string;
}

/** The outcome of opening the selected engines. */
export interface OpenResult {
  /** Engines that answered, in selection order (docker, then containerd). */
  readonly open: OpenEngine[];
  /** Engines that did not. */
  readonly failures: EngineFailure[];
}

/** Time limits for opening one engine. */
export interface OpenTimeouts {
  /** For the version/ID requests that prove the engine answers. */
  readonly probeMs: number;
  /** For the watcher's first sync (subscribe + list) after that. */
  readonly syncMs: number;
}

/** Default {@linkcode OpenTimeouts}. */
export const DEFAULT_OPEN_TIMEOUTS: OpenTimeouts = { probeMs: 5_000, syncMs: 15_000 };

type Candidate = { engine: EngineFailure["engine"]; endpoint: string; create: () => EngineClient };

function candidates(options: CliOptions): Candidate[] {
  const list: Candidate[] = [];
  if (options.engine !== "containerd") {
    list.push({
      engine: "docker",
      endpoint: options.dockerHost ?? "DOCKER_HOST, the docker context or unix:///var/run/docker.sock",
      create: () => new DockerClient(options.dockerHost === undefined ? {} : { host: options.dockerHost }),
    });
  }
  if (options.engine !== "docker") {
    const socket = options.containerd ?? DEFAULT_CONTAINERD_SOCKET;
    list.push({ engine: "containerd", endpoint: socket, create: () => new ContainerdClient({ socket }) });
  }
  return list;
}

function timeoutError(what: string, ms: number): Error {
  return new Error(`${what} did not complete within ${ms / 1000} s; is the engine overloaded or hung?`);
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeoutError(what, ms)), ms);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

async function openOne(
  candidate: Candidate,
  timeouts: OpenTimeouts,
  logger: WatcherLogger | undefined,
): Promise<OpenEngine | EngineFailure> {
  let client: EngineClient;
  try {
    client = candidate.create();
  } catch (error) {
    return { engine: candidate.engine, endpoint: candidate.endpoint, error };
  }
  const endpoint = client.api;
  const probe = new AbortController();
  try {
    const [version, id] = await withTimeout(
      Promise.all([client.version(probe.signal), client.id(probe.signal)]),
      timeouts.probeMs,
      "asking the engine for its version",
    );
    const watcher = new Watcher(client, logger ? { logger } : {});
    void watcher.watch();
    try {
      await withTimeout(watcher.ready, timeouts.syncMs, "the first sync (subscribe and list)");
    } catch (error) {
      await watcher.close();
      return { engine: candidate.engine, endpoint, error };
    }
    return { watcher, id, version };
  } catch (error) {
    probe.abort();
    await client.close();
    return { engine: candidate.engine, endpoint, error };
  }
}

/** Opens the engines selected by `options` in parallel. */
export async function openEngines(
  options: CliOptions,
  timeouts: OpenTimeouts = DEFAULT_OPEN_TIMEOUTS,
  logger?: WatcherLogger,
): Promise<OpenResult> {
  const results = await Promise.all(candidates(options).map((c) => openOne(c, timeouts, logger)));
  const open: OpenEngine[] = [];
  const failures: EngineFailure[] = [];
  for (const r of results) {
    if ("watcher" in r) open.push(r);
    else failures.push(r);
  }
  return { open, failures };
}
