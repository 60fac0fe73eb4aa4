/**
 * The shape of engine discovery: what each kind of engine tells the
 * engine-neutral scan about itself ({@linkcode DiscoverableKind}), the options
 * of a scan, and its report — every candidate tried and what became of it,
 * and the engines found, each once.
 *
 * `discoverEngines()` (exported from the package root, bound to every engine
 * kind whalewatcher knows) returns a {@linkcode DiscoveryReport}:
 *
 * @example
 * ```ts
 * import { discoverEngines } from "@whalewatcher/whalewatcher";
 *
 * const report = await discoverEngines({ signal: AbortSignal.timeout(5_000) });
 * for (const engine of report.engines) console.log(engine.key, engine.type, engine.api, engine.version);
 * for (const candidate of report.candidates) {
 *   if (candidate.outcome.status !== "found") console.log(candidate.endpoint, candidate.outcome.status);
 * }
 * ```
 *
 * @module
 */

import type { EngineClient } from "../engine.ts";

/**
 * How a candidate endpoint came up.
 *
 * @example Engines the user configured, apart from those found
 * ```ts
 * import { type DiscoveryMethod, discoverEngines } from "@whalewatcher/whalewatcher";
 *
 * const configured: DiscoveryMethod = "configured";
 * const report = await discoverEngines({ processScan: false, probeTimeout: 1_000 });
 * console.log(report.engines.filter((e) => e.sources.some((s) => s.method === configured)).map((e) => e.api));
 * ```
 */
export type DiscoveryMethod =
  /** A setting the user made: an environment variable, a CLI context, an explicit address. */
  | "configured"
  /** A place the engine listens by default (or by a common convention). */
  | "well-known"
  /** A listening socket of a running engine process, found through /proc. */
  | "process";

/**
 * One way a candidate was found; a candidate reached several ways has several.
 *
 * @example How each engine was found
 * ```ts
 * import { discoverEngines, type DiscoverySource } from "@whalewatcher/whalewatcher";
 *
 * const said = (source: DiscoverySource) => source.pid ? `${source.detail} (pid ${source.pid})` : source.detail;
 * for (const engine of (await discoverEngines({ probeTimeout: 2_000 })).engines) console.log(engine.api, engine.sources.map(said));
 * ```
 */
export interface DiscoverySource {
  /** The kind of way. */
  readonly method: DiscoveryMethod;
  /**
   * What exactly, for people: `$DOCKER_HOST`, `docker context "ci"`,
   * `/run/user/1000/podman/podman.sock`, `process 4711 (containerd)`.
   */
  readonly detail: string;
  /** The process listening on the socket, for `process` sources. */
  readonly pid?: number;
}

/** An endpoint a kind offers to probe, with where it came from. */
export interface CandidateEndpoint {
  /** The endpoint in the form the kind's `create` takes (`unix:///…` for Docker, a path for containerd). */
  readonly endpoint: string;
  /** The socket file this endpoint reaches, when it is a unix socket ("" otherwise: TCP, SSH). */
  readonly socketPath: string;
  /** Where it came from. */
  readonly source: DiscoverySource;
}

/** Where the scan looks on this host; given to {@linkcode DiscoverableKind.wellKnown}. */
export interface HostPlaces {
  /** Per-user runtime directories: `/run/user/<uid>` for every uid there, then `$XDG_RUNTIME_DIR` if elsewhere. */
  readonly userRuntimeDirs: readonly string[];
  /** The user's home directory, "" when unknown. */
  readonly home: string;
}

/**
 * What one engine kind tells discovery about itself. Engine words (process
 * names, socket paths, settings) live with the engine (its registry entry's
 * `discovery`); the scan in `lib/discovery/` only combines them.
 */
export interface DiscoveryFacts {
  /** Exact process names (`/proc/PID/comm`) of the kind's engine processes. */
  readonly processNames: readonly string[];
  /**
   * Whether a process named one of {@linkcode DiscoveryFacts.processNames}
   * serves the API (e.g. `podman` only when it runs `system service`);
   * default: every such process.
   */
  isEngineProcess?(comm: string, cmdline: readonly string[]): boolean;
  /**
   * Socket paths (as the process sees them) that an engine process of this
   * kind uses for itself and whose containers it shows, so that no other
   * view watches them again (dockerd's own containerd).
   */
  ownedSockets?(comm: string, cmdline: readonly string[]): readonly string[];
  /**
   * Whether the engine ID the kind's client reports names one engine
   * (Docker's `/info` ID) rather than something several engines share (the
   * node name CRI answers with); default `true`. Engines without a naming ID
   * are told apart by their socket file.
   */
  readonly idNamesEngine?: boolean;
  /** Whether a listening socket path of an engine process can be this kind's API (not a shim, debug or metrics socket). */
  acceptsSocket(path: string): boolean;
  /** The endpoint for a socket path (as {@linkcode CandidateEndpoint.endpoint}). */
  endpointFor(socketPath: string): string;
  /** Endpoints the user configured (environment, CLI context); read without prompting for permissions. */
  configured(): Promise<CandidateEndpoint[]>;
  /** Well-known places on a host laid out as `places` says. */
  wellKnown(places: HostPlaces): CandidateEndpoint[];
}

/** One engine kind (view) as discovery uses it: its name, its facts and how to build its client. */
export interface DiscoverableKind extends DiscoveryFacts {
  /** The kind's registry name (`docker`, `containerd`, `cri`): one engine *view*. */
  readonly name: string;
  /** Builds a client for `endpoint` (connects lazily). */
  create(endpoint: string): EngineClient | Promise<EngineClient>;
}

/**
 * An engine found: one engine view, reachable at {@linkcode DiscoveredEngine.api}, listed once however many ways lead to it.
 *
 * @example Watch what discovery found
 * ```ts
 * import { type DiscoveredEngine, discoverEngines } from "@whalewatcher/whalewatcher";
 *
 * const report = await discoverEngines({ probeTimeout: 2_000 });
 * const docker: DiscoveredEngine | undefined = report.engines.find((engine) => engine.kind === "docker");
 * if (docker) console.log(docker.key, docker.type, docker.version, docker.api, docker.alsoAt, docker.sources.map((s) => s.detail));
 * ```
 */
export interface DiscoveredEngine {
  /**
   * Stable identity of the engine view within a host, used to list it once:
   * `<kind>/id:<engine ID>` where the engine has an ID (Docker), followed by
   * `@pid:<PID>` where its process is known (copies of one data root share
   * an ID), else
   * `<kind>/socket:<device>:<inode>` of its socket file (one file however
   * many symlinks or `/run` vs `/var/run` paths reach it; a restarted engine
   * binds a new file), else `<kind>/endpoint:<endpoint>`.
   */
  readonly key: string;
  /** The registry kind (view) it is watched as: `docker`, `containerd`, `cri`. */
  readonly kind: string;
  /** The engine type as its client reports it: `docker.com`, `podman.io`, `containerd.io`, … */
  readonly type: string;
  /** The endpoint to watch it at (in the form the kind's `create` takes). */
  readonly api: string;
  /** The engine's version string. */
  readonly version: string;
  /** The engine's ID ("" where it has none). */
  readonly id: string;
  /** The engine's process ID on this host (PID namespace of the /proc read), 0 when unknown. */
  readonly pid: number;
  /** Every way that led to it, the one chosen for {@linkcode DiscoveredEngine.api} first. */
  readonly sources: readonly DiscoverySource[];
  /** Other endpoints that reached the same engine. */
  readonly alsoAt: readonly string[];
  /** Where the engine runs inside a container of another engine, that engine and container. */
  readonly parent?: EngineParent;
}

/**
 * The engine and container an engine runs inside.
 *
 * @example Engines that run inside a container of another engine
 * ```ts
 * import { discoverEngines, type EngineParent } from "@whalewatcher/whalewatcher";
 *
 * const inner = (await discoverEngines({ probeTimeout: 2_000 })).engines.filter((e) => e.parent !== undefined);
 * for (const engine of inner) {
 *   const parent: EngineParent = engine.parent!;
 *   console.log(`${engine.key} runs in ${parent.containerName} (${parent.containerId}) of ${parent.engine}`);
 * }
 * ```
 */
export interface EngineParent {
  /** {@linkcode DiscoveredEngine.key} of the outer engine. */
  readonly engine: string;
  /** The outer container's ID. */
  readonly containerId: string;
  /** The outer container's name. */
  readonly containerName: string;
}

/**
 * What became of a candidate.
 *
 * @example Explain why an engine is not watched
 * ```ts
 * import { type CandidateOutcome, discoverEngines } from "@whalewatcher/whalewatcher";
 *
 * function explain(outcome: CandidateOutcome): string {
 *   switch (outcome.status) {
 *     case "found": return outcome.duplicateOf ? `same engine as ${outcome.duplicateOf}` : `found ${outcome.engine.type}`;
 *     case "skipped": return `skipped: ${outcome.reason}`;
 *     default: return `${outcome.status}: ${outcome.error.message}`;
 *   }
 * }
 * const report = await discoverEngines({ processScan: false, probeTimeout: 1_000 });
 * for (const candidate of report.candidates) console.log(candidate.kind, candidate.endpoint, explain(candidate.outcome));
 * ```
 */
export type CandidateOutcome =
  /** It answered: the engine (maybe one already found another way; then `duplicateOf` says so). */
  | { readonly status: "found"; readonly engine: DiscoveredEngine; readonly duplicateOf?: string }
  /** Nothing listens there (no socket file, connection refused, timeout). */
  | { readonly status: "not-found"; readonly error: Error }
  /** The socket exists but this process may not connect. */
  | { readonly status: "permission-denied"; readonly error: Error }
  /** Something answered in another protocol (or garbage). */
  | { readonly status: "wrong-protocol"; readonly error: Error }
  /** It answered with an error, or the probe failed otherwise. */
  | { readonly status: "failed"; readonly error: Error }
  /** Not probed, for the reason given (e.g. Docker's own containerd). */
  | { readonly status: "skipped"; readonly reason: string };

/**
 * One endpoint tried by one kind.
 *
 * @example Every place tried, and how it came up
 * ```ts
 * import { type DiscoveryCandidate, discoverEngines } from "@whalewatcher/whalewatcher";
 *
 * const { candidates } = await discoverEngines({ processScan: false, probeTimeout: 1_000 });
 * const line = (c: DiscoveryCandidate) => `${c.kind} ${c.endpoint} via ${c.sources.map((s) => s.method).join("+")}: ${c.outcome.status}`;
 * console.log(candidates.map(line).join("\n"));
 * ```
 */
export interface DiscoveryCandidate {
  /** The registry kind that tried it. */
  readonly kind: string;
  /** The endpoint tried. */
  readonly endpoint: string;
  /** How it came up (several ways may lead to one endpoint). */
  readonly sources: readonly DiscoverySource[];
  /** What became of it. */
  readonly outcome: CandidateOutcome;
}

/**
 * The result of one scan.
 *
 * @example A scan's report
 * ```ts
 * import { discoverEngines, type DiscoveryReport } from "@whalewatcher/whalewatcher";
 *
 * const report: DiscoveryReport = await discoverEngines({ probeTimeout: 2_000 });
 * console.log(`${report.engines.length} engines from ${report.candidates.length} candidates; /proc scanned: ${report.processScan}`);
 * for (const note of report.notes) console.log("note:", note);
 * ```
 */
export interface DiscoveryReport {
  /** Every engine found, each once, in registry order, then by endpoint. */
  readonly engines: readonly DiscoveredEngine[];
  /** Every candidate tried, with its outcome, in the order of `engines`' kinds. */
  readonly candidates: readonly DiscoveryCandidate[];
  /** Whether engine processes were looked for in /proc. */
  readonly processScan: boolean;
  /** Things the user should know about the scan itself ("/proc is not readable: only well-known places were tried"). */
  readonly notes: readonly string[];
}

/**
 * Options of a scan.
 *
 * @example Scan a recorded /proc tree instead of the host's
 * ```ts
 * import { type DiscoverOptions, discoverEngines } from "@whalewatcher/whalewatcher";
 *
 * const options: DiscoverOptions = { procRoot: "/proc", wellKnown: false, probeTimeout: 2_000 };
 * const report = await discoverEngines(options);
 * console.log(report.engines.map((engine) => `${engine.kind} pid ${engine.pid}`), report.notes);
 * ```
 */
export interface DiscoverOptions {
  /** Aborts the scan (it then rejects with the reason). */
  readonly signal?: AbortSignal | undefined;
  /** The /proc tree to read; default `/proc`. */
  readonly procRoot?: string | undefined;
  /** How long each probe may take, in milliseconds; default 5000 (a busy podman takes seconds). */
  readonly probeTimeout?: number | undefined;
  /** Whether to look for engine processes in /proc; default `true` (skipped with a note where /proc is unreadable). */
  readonly processScan?: boolean | undefined;
  /** The runtime directory base listing per-user directories; default `/run/user`. */
  readonly userRuntimeRoot?: string | undefined;
  /**
   * Whether to tell engines inside containers of other engines
   * ({@linkcode DiscoveredEngine.parent}); default `true`. Costs one list of
   * every engine's containers, and only when an engine process runs in
   * another PID or mount namespace than the scan (needs the process scan).
   */
  readonly nesting?: boolean | undefined;
  /** Whether to try the well-known places; default `true`. */
  readonly wellKnown?: boolean | undefined;
}
