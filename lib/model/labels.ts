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
