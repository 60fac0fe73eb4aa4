/**
 * Where the Docker engine is: `host` option, else `DOCKER_HOST`, else the
 * default socket; TLS from `DOCKER_CERT_PATH` / `DOCKER_TLS_VERIFY` with the
 * moby Go client's semantics.
 *
 * @module
 */

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { EngineError } from "../../lib/errors.ts";
import { formatEndpoint, type HttpEndpoint, parseEndpoint, type TlsSettings } from "../../lib/transport/http.ts";

/** The Docker client's default engine address. */
export const DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock";

/** Environment variables, as a plain record (for tests and Deno-safe access). */
export type DockerEnv = Readonly<Record<string, string | undefined>>;

/** Where to connect, and where the TLS material still has to be read from. */
export interface DockerHost {
  /** The endpoint; for TLS without the PEM contents yet. */
  endpoint: HttpEndpoint;
  /** `DOCKER_CERT_PATH` when TLS material must be loaded before connecting. */
  certPath?: string;
}

/**
 * Resolves the engine address: an explicit `host` wins, then a non-empty
 * `DOCKER_HOST`, then {@linkcode DEFAULT_DOCKER_HOST}. A TCP address uses
 * TLS when `DOCKER_CERT_PATH` is set; `DOCKER_TLS_VERIFY` (only read then)
 * verifies the server certificate when non-empty.
 *
 * @throws {TypeError} on an invalid address.
 */
export function resolveDockerHost(host: string | undefined, env: DockerEnv): DockerHost {
  const address = host || env.DOCKER_HOST || DEFAULT_DOCKER_HOST;
  const certPath = env.DOCKER_CERT_PATH || undefined;
  const tls: TlsSettings | undefined = certPath ? { verify: (env.DOCKER_TLS_VERIFY ?? "") !== "" } : undefined;
  const endpoint = parseEndpoint(address, tls);
  if (endpoint.kind === "tcp" && endpoint.tls && certPath) return { endpoint, certPath };
  return { endpoint };
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
        hint: "DOCKER_CERT_PATH must name a directory holding ca.pem, cert.pem and key.pem; unset it for plain TCP",
      });
    }
  };
  const [ca, cert, key] = await Promise.all([read("ca.pem"), read("cert.pem"), read("key.pem")]);
  return { ...endpoint, tls: { ...endpoint.tls, ca, cert, key } };
}

/** The process environment, or an empty one where reading it is not allowed (Deno without --allow-env). */
export function processEnv(): DockerEnv {
  try {
    const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
    if (!env) return {};
    const picked: Record<string, string | undefined> = {};
    for (const name of ["DOCKER_HOST", "DOCKER_API_VERSION", "DOCKER_CERT_PATH", "DOCKER_TLS_VERIFY"]) picked[name] = env[name];
    return picked;
  } catch {
    return {};
  }
}
