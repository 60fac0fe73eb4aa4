/**
 * Docker engine client for whalewatcher: a read-only {@linkcode EngineClient}
 * speaking the Docker Engine HTTP API directly (no Docker SDK) over a unix
 * socket or TCP/TLS, on Node, Deno and Bun. It also serves podman's
 * Docker-compatible API, detected from `/_ping` and reported as `podman.io`.
 *
 * - Address, resolved as the Docker CLI does: the `host` option, else
 *   `DOCKER_HOST`, else the current Docker CLI context (`DOCKER_CONTEXT`,
 *   else `currentContext` in the CLI's `config.json`), else
 *   `unix:///var/run/docker.sock`; `DockerClient.addressSource` tells which.
 *   TLS from `DOCKER_CERT_PATH` (`ca.pem`, `cert.pem`, `key.pem`) with
 *   `DOCKER_TLS_VERIFY` as in Docker's Go client, or from the context.
 * - API version: `apiVersion` option, else `DOCKER_API_VERSION`, else the
 *   engine's `/_ping` `Api-Version` clamped to
 *   [{@linkcode OLDEST_API_VERSION}, {@linkcode NEWEST_API_VERSION}]; tested
 *   against {@linkcode TESTED_API_VERSIONS} (Docker 20.10, podman 4.3).
 * - Alive containers are the running and paused ones with a PID; a
 *   privileged container carries the synthetic label
 *   {@linkcode PRIVILEGED_LABEL} = `"true"`.
 *
 * @example
 * ```ts
 * import { DockerClient } from "./mod.ts";
 *
 * await using docker = new DockerClient({ host: "unix:///var/run/docker.sock" });
 * for (const c of await docker.list()) console.log(c.name, c.pid, c.project, c.paused);
 *
 * const stop = new AbortController();
 * const events = docker.lifecycleEvents({ signal: stop.signal });
 * await events.subscribed;
 * for await (const event of events) {
 *   console.log(event.type, event.id);
 *   if (event.type === "exited") stop.abort();
 * }
 * ```
 *
 * @module
 */

export { DEFAULT_LIST_CONCURRENCY, DOCKER_ENGINE_TYPE, DockerClient, type DockerClientOptions, PODMAN_ENGINE_TYPE } from "./client.ts";
export type { Packer } from "./convert.ts";
export { COMPOSE_PROJECT_LABEL, PRIVILEGED_LABEL } from "../../lib/model/labels.ts";
export { NEWEST_API_VERSION, OLDEST_API_VERSION, TESTED_API_VERSIONS } from "./api-version.ts";
export { DEFAULT_DOCKER_HOST, type DockerEnv } from "./host.ts";
export type { TransportFactory } from "./connection.ts";
