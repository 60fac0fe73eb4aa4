/**
 * The Docker client's default engine address, apart from the client so that
 * naming it (the CLI's engine table) does not load the HTTP stack.
 *
 * @module
 */

/**
 * The Docker client's default engine address.
 *
 * @example Where the Docker client looks when nothing says otherwise
 * ```ts
 * import { DEFAULT_DOCKER_HOST, DockerClient } from "@whalewatcher/whalewatcher";
 *
 * await using client = new DockerClient({ env: {} }); // no DOCKER_HOST, no CLI context
 * console.assert(client.api === DEFAULT_DOCKER_HOST, client.api);
 * ```
 */
export const DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock";

/**
 * Explicit Docker settings. Under Deno, one that may not be read is left out
 * rather than prompted for; front ends say so (the CLI names the flag).
 */
export const DOCKER_VARIABLES: readonly string[] = ["DOCKER_HOST", "DOCKER_API_VERSION", "DOCKER_CERT_PATH", "DOCKER_TLS_VERIFY", "DOCKER_CONTEXT"];
