/**
 * Where the Docker engine is, resolved as the Docker CLI does: the `host`
 * option, else `DOCKER_HOST`, else the current Docker CLI context, else the
 * default socket; for `DOCKER_HOST`, TLS from `DOCKER_CERT_PATH` /
 * `DOCKER_TLS_VERIFY` with the moby Go client's semantics.
 *
 * @module
 */

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { EngineError } from "../../lib/errors.ts";
import { mayReadEnv } from "../../lib/permissions.ts";
import { formatEndpoint, type HttpEndpoint, parseEndpoint, type TlsSettings } from "../../lib/transport/endpoint.ts";
import { lookupDockerContext } from "./context.ts";

import { DEFAULT_DOCKER_HOST, DOCKER_VARIABLES } from "./default-host.ts";
import { defaultPodmanHost, ROOTFUL_PODMAN_HOST } from "./podman-host.ts";

export { DEFAULT_DOCKER_HOST };

/**
 * Environment variables, as a plain record (for tests and Deno-safe access).
 *
 * @example Resolve the engine from settings of your own, not the process environment
 * ```ts
 * import { DockerClient, type DockerEnv } from "@whalewatcher/whalewatcher";
 *
 * const env: DockerEnv = { DOCKER_HOST: "unix:///run/podman/podman.sock" };
 * await using client = new DockerClient({ env });
 * console.log(client.api, client.addressSource); // unix:///run/podman/podman.sock DOCKER_HOST
 * ```
 */
export type DockerEnv = Readonly<Record<string, string | undefined>>;

/** Where to connect, and where the TLS material still has to be read from. */
export interface DockerHost {
  /** The endpoint; for TLS without the PEM contents yet. */
  endpoint: HttpEndpoint;
  /** `DOCKER_CERT_PATH` when TLS material must be loaded before connecting. */
  certPath?: string;
  /** Where the address came from, for messages: `DOCKER_HOST`, a context, the default… */
  source: string;
}

/**
 * Where a client made for podman (`type: "podman.io"`) without a `host`
 * connects: podman's own sockets ({@linkcode defaultPodmanHost}), not
 * Docker's; the source says which of them and why.
 */
export function podmanDefaultHost(): DockerHost {
  const address = defaultPodmanHost();
  const source = address === ROOTFUL_PODMAN_HOST
    ? "the default (rootful podman: no rootless socket at $XDG_RUNTIME_DIR/podman/podman.sock)"
    : "the default (this user's rootless podman)";
  return { endpoint: parseEndpoint(address), source };
}

/**
 * Resolves the engine address as the Docker CLI does: an explicit `host`
 * wins, then a non-empty `DOCKER_HOST`, then the current Docker CLI context
 * (`DOCKER_CONTEXT`, else `currentContext` in `config.json`; see
 * {@linkcode lookupDockerContext}), then {@linkcode DEFAULT_DOCKER_HOST}.
 * With `host` or `DOCKER_HOST`, a TCP address uses TLS when
 * `DOCKER_CERT_PATH` is set; `DOCKER_TLS_VERIFY` (only read then) verifies
 * the server certificate when non-empty. A context brings its own TLS
 * material.
 *
 * @throws {TypeError} on an invalid address.
 * @throws {EngineError} when the selected context cannot be read.
 */
export function resolveDockerHost(host: string | undefined, env: DockerEnv): DockerHost {
  const address = host || env.DOCKER_HOST;
  if (address) {
    const source = host ? "the host option" : "DOCKER_HOST";
    const certPath = env.DOCKER_CERT_PATH || undefined;
    const tls: TlsSettings | undefined = certPath ? { verify: (env.DOCKER_TLS_VERIFY ?? "") !== "" } : undefined;
    const endpoint = parseEndpoint(address, tls);
    if (endpoint.kind === "tcp" && endpoint.tls && certPath) return { endpoint, certPath, source };
    return { endpoint, source };
  }
  const context = lookupDockerContext(env);
  if (context.kind === "context") {
    const { host: contextHost, tls, source } = context.endpoint;
    try {
      return { endpoint: parseEndpoint(contextHost, tls), source };
    } catch (error) {
      throw new TypeError(`${source}: ${(error as Error).message}`, { cause: error });
    }
  }
  const source = context.note ? `the default (${context.note})` : "the default";
  return { endpoint: parseEndpoint(DEFAULT_DOCKER_HOST), source };
}

/**
 * Reads `ca.pem`, `cert.pem` and `key.pem` from `DOCKER_CERT_PATH` into the
 * endpoint's TLS settings; returns the endpoint unchanged when it needs none.
 *
 * @throws {EngineError} when a file cannot be read.
 */
export async function loadTlsMaterial(host: DockerHost): Promise<HttpEndpoint> {
  const { endpoint, certPath } = host;
  if (endpoint.kind !== "tcp" || !endpoint.tls || !certPath) return endpoint;
  const read = async (file: string): Promise<string> => {
    const path = join(certPath, file);
    try {
      return await readFile(path, "utf8");
    } catch (cause) {
      throw new EngineError(`cannot read ${path} for TLS with ${formatEndpoint(endpoint)}`, {
        endpoint: formatEndpoint(endpoint),
        cause,
        // Missing or unreadable TLS material does not appear by itself.
        retryable: false,
        hint: "DOCKER_CERT_PATH must name a directory holding ca.pem, cert.pem and key.pem; unset it for plain TCP",
      });
    }
  };
  const [ca, cert, key] = await Promise.all([read("ca.pem"), read("cert.pem"), read("key.pem")]);
  return { ...endpoint, tls: { ...endpoint.tls, ca, cert, key } };
}

/** Variables only consulted to find the CLI's config: never worth a permission prompt. */
const CONFIG_VARIABLES = ["DOCKER_CONFIG", "HOME"];

/**
 * The Docker-related part of the process environment. A variable that may
 * not be read without a permission prompt (Deno without `--allow-env` for
 * it) is left out, as if unset.
 */
export function processEnv(): DockerEnv {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const picked: Record<string, string | undefined> = {};
  if (!env) return picked;
  for (const name of [...DOCKER_VARIABLES, ...CONFIG_VARIABLES].filter(mayReadEnv)) {
    try {
      picked[name] = env[name];
    } catch {
      // Not permitted: as if unset.
    }
  }
  return picked;
}
