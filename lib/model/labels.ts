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
 *
 * @example The label that puts a container into a project
 * ```ts
 * import { COMPOSE_PROJECT_LABEL, newContainer, Portfolio } from "@whalewatcher/whalewatcher";
 *
 * const labels = { [COMPOSE_PROJECT_LABEL]: "shop" };
 * const portfolio = new Portfolio();
 * portfolio.add(newContainer({ id: "4f1c", pid: 4242, labels, project: labels[COMPOSE_PROJECT_LABEL] }));
 * console.log(portfolio.names()); // ["shop"]
 * ```
 */
export const COMPOSE_PROJECT_LABEL = "com.docker.compose.project";

/**
 * The synthetic label (value `"true"`) an engine client adds to a container
 * that runs privileged, where the engine tells (Docker's
 * `HostConfig.Privileged`). The Go whalewatcher calls it
 * `github.com/thediveo/whalewatcher/moby/privileged`; this port uses its own
 * namespace. It is never set on unprivileged containers.
 *
 * @example Find the privileged containers
 * ```ts
 * import { DockerClient, PRIVILEGED_LABEL } from "@whalewatcher/whalewatcher";
 *
 * await using client = new DockerClient();
 * const privileged = (await client.list()).filter((c) => c.labels[PRIVILEGED_LABEL] !== undefined);
 * console.log(privileged.map((c) => c.name));
 * ```
 */
export const PRIVILEGED_LABEL = "whalewatcher/privileged";

/**
 * The synthetic label a host-wide view adds to every container of an engine
 * that runs inside a container of another engine: the outer container's
 * name, so that inner containers can be told apart from (and shown under)
 * their host container, like the Go turtlefinder's
 * `turtlefinder/container/prefix`.
 *
 * @example
 * ```ts
 * import { OUTER_CONTAINER_NAME_LABEL } from "./labels.ts";
 * const labels: Record<string, string> = { [OUTER_CONTAINER_NAME_LABEL]: "kind-control-plane" };
 * ```
 */
export const OUTER_CONTAINER_NAME_LABEL = "whalewatcher/outer-container/name";

/** With {@linkcode OUTER_CONTAINER_NAME_LABEL}: the outer container's ID. */
export const OUTER_CONTAINER_ID_LABEL = "whalewatcher/outer-container/id";

/**
 * With {@linkcode OUTER_CONTAINER_NAME_LABEL}: the key (as discovery names
 * engines) of the engine that runs the outer container.
 */
export const OUTER_ENGINE_LABEL = "whalewatcher/outer-engine";

/** With {@linkcode OUTER_CONTAINER_NAME_LABEL}: the key of the (inner) engine that reports the container. */
export const ENGINE_KEY_LABEL = "whalewatcher/engine";
