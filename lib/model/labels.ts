/**
 * Label names of the model: the container labels whose meaning whalewatcher
 * defines or relies on for every engine, defined once here and imported by
 * the engine clients.
 *
 * @module
 */

/**
 * The label composers (docker-compose v1 and v2, nerdctl compose) put the
 * project name in; a container's `project` comes from it.
 */
export const COMPOSE_PROJECT_LABEL = "com.docker.compose.project";

/**
 * The synthetic label (value `"true"`) an engine client adds to a container
 * that runs privileged, where the engine tells (Docker's
 * `HostConfig.Privileged`). The Go whalewatcher calls it
 * `github.com/thediveo/whalewatcher/moby/privileged`; this port uses its own
 * namespace. It is never set on unprivileged containers.
 */
export const PRIVILEGED_LABEL = "whalewatcher/privileged";
