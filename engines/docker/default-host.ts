/**
 * The Docker client's default engine address, apart from the client so that
 * naming it (the CLI's engine table) does not load the HTTP stack.
 *
 * @module
 */

/** The Docker client's default engine address. */
export const DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock";
