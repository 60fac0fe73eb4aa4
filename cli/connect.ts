/**
 * Opens the selected engines for the CLI: builds a client and a watcher per
 * engine kind of the registry and waits for the first complete picture. An
 * engine that does not answer becomes an {@linkcode EngineFailure} naming the
 * endpoint and the typed error.
 *
 * The CLI keeps no timers of its own for this. The version and ID requests
 * prove the engine answers (a missing socket, a refused connection or a
 * non-retryable error fails them at once; the transports bound connecting and
 * the first answer). The watcher's first sync is then awaited through
 * `watcher.ready`: without `--watch` the watcher gets `maxRetries: 0`, so a
 * failed sync rejects `ready` at once instead of being retried; with
 * `--watch` it keeps the default backoff, so that a watch survives an engine
 * restart, and a non-retryable error still rejects `ready` at once.
 *
 * @module
 */

import type { EngineClient } from "../lib/engine.ts";
import { Watcher } from "../lib/watcher.ts";
import type { WatcherLogger, WatcherOptions } from "../lib/watcher.ts";
import { defaultEndpointsText, ENGINE_REGISTRY } from "../engines/registry.ts";
import type { EngineKind, EngineRegistry } from "../engines/registry.ts";
import { ALL_ENGINES } from "./args.ts";
import type { CliOptions } from "./args.ts";
import { endpointGrants, grantFlags, missingGrants } from "../lib/permissions.ts";
import type { DenoGrant } from "../lib/permissions.ts";
import type { EngineFailure } from "./failure.ts";
import { EnginePermissionError } from "../lib/errors.ts";

/** An engine that answered: its watcher (synced) and identity. */
export interface OpenEngine {
  /** The registry name of its kind, e.g. `docker`. */
  readonly kind: string;
  /** The synced watcher; closing it closes the client. */
  readonly watcher: Watcher;
  /** Engine instance ID. */
  readonly id: string;
  /** Engine version. */
  readonly version: string;
}

/** The outcome of opening the selected engines. */
export interface OpenResult {
  /** Engines that answered, in registry order. */
  readonly open: OpenEngine[];
  /** Engines that did not: every endpoint tried, in registry and discovery order. */
  readonly failures: EngineFailure[];
}

/** How {@linkcode openEngines} opens. */
export interface OpenOptions {
  /** Receives the watchers' and clients' diagnostics; default: silent. */
  readonly logger?: WatcherLogger | undefined;
  /** The engine kinds; default {@linkcode ENGINE_REGISTRY}. */
  readonly registry?: EngineRegistry;
}

/**
 * The engine kinds `options` selects, in registry order: with `all`, those
 * that are part of it and those given an endpoint.
 */
export function selectedKinds(options: CliOptions, registry: EngineRegistry = ENGINE_REGISTRY): EngineKind[] {
  return registry.filter((kind) =>
    options.engine === ALL_ENGINES
      ? kind.inAll !== false || options.endpoints[kind.name] !== undefined
      : options.engine === kind.name
  );
}

/**
 * The endpoints to try for a kind, in order: the one given on the command
 * line, else `undefined` (the client's own default: its default sources,
 * then the first default endpoint) followed by the other default endpoints.
 */
export function candidateEndpoints(kind: EngineKind, options: CliOptions): Array<string | undefined> {
  const given = options.endpoints[kind.name];
  return given !== undefined ? [given] : [undefined, ...kind.defaultEndpoints.slice(1)];
}

async function openAt(
  kind: EngineKind,
  endpoint: string | undefined,
  watcherOptions: WatcherOptions,
): Promise<OpenEngine | EngineFailure> {
  let client: EngineClient;
  try {
    client = await kind.create(endpoint, { details: true, ...(watcherOptions.logger ? { logger: watcherOptions.logger } : {}) });
  } catch (error) {
    return { engine: kind.name, endpoint: endpoint ?? defaultEndpointsText(kind), error };
  }
  // Under Deno, ask first: touching a socket without its grants would prompt (on a terminal) or fail one by one.
  const needed = endpointGrants(client.api);
  const missing = missingGrants(needed);
  if (missing.length > 0) {
    await client.close();
    const error = new EnginePermissionError(`Deno does not permit access to ${client.api}`, {
      endpoint: client.api,
      retryable: false,
      hint: `run Deno with ${grantFlags(needed)}`,
    });
    return { engine: kind.name, endpoint: client.api, error, denoGrants: needed };
  }
  const probe = new AbortController();
  let watcher: Watcher | undefined;
  try {
    const [version, id] = await Promise.all([client.version(probe.signal), client.id(probe.signal)]);
    watcher = new Watcher(client, watcherOptions);
    void watcher.watch();
    await watcher.ready;
    return { kind: kind.name, watcher, id, version };
  } catch (error) {
    probe.abort(); // the other probe request, if it is still running
    await (watcher ? watcher.close() : client.close());
    return { engine: kind.name, endpoint: client.api, error };
  }
}

async function openKind(kind: EngineKind, options: CliOptions, watcherOptions: WatcherOptions): Promise<Array<OpenEngine | EngineFailure>> {
  const failures: EngineFailure[] = [];
  for (const endpoint of candidateEndpoints(kind, options)) {
    const result = await openAt(kind, endpoint, watcherOptions);
    if ("watcher" in result) return [result];
    failures.push(result);
  }
  return failures;
}

/**
 * The environment grants the selected kinds would read their settings with
 * but lack (Deno only; kinds given an endpoint on the command line are left
 * out): the client treats such a variable as unset, and the CLI says so.
 */
export function missingEnvGrants(options: CliOptions, registry: EngineRegistry = ENGINE_REGISTRY): DenoGrant[] {
  const variables = selectedKinds(options, registry)
    .filter((kind) => options.endpoints[kind.name] === undefined)
    .flatMap((kind) => kind.env ?? []);
  return missingGrants(variables.map((variable) => ({ name: "env", variable })));
}

/** Opens the engines selected by `options`, the kinds in parallel, each kind's endpoints in discovery order. */
export async function openEngines(options: CliOptions, open: OpenOptions = {}): Promise<OpenResult> {
  const watcherOptions: WatcherOptions = {
    ...(open.logger ? { logger: open.logger } : {}),
    // One-shot: a first sync that fails is reported, not retried. Watching: reconnect as the watcher does.
    ...(options.watch ? {} : { backoff: { maxRetries: 0 } }),
  };
  const results = await Promise.all(selectedKinds(options, open.registry).map((kind) => openKind(kind, options, watcherOptions)));
  const opened: OpenEngine[] = [];
  const failures: EngineFailure[] = [];
  for (const r of results.flat()) {
    if ("watcher" in r) opened.push(r);
    else failures.push(r);
  }
  return { open: opened, failures };
}
