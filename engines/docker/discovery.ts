/**
 * Where Docker and podman (both speak the Docker API) are found on a host:
 * their process names, settings and well-known sockets, for discovery.
 *
 * @module
 */

import type { CandidateEndpoint, DiscoveryFacts, HostPlaces } from "../../lib/discovery/types.ts";
import { lookupDockerContext } from "./context.ts";
import { processEnv } from "./host.ts";

/** dockerd's exec root, under which it starts its own containerd when not told another. */
const DEFAULT_EXEC_ROOT = "/var/run/docker";

function unixPath(address: string): string {
  return address.startsWith("unix://") ? address.slice("unix://".length) : "";
}

function place(path: string): CandidateEndpoint {
  return { endpoint: `unix://${path}`, socketPath: path, source: { method: "well-known", detail: path } };
}

/** The value of `--flag VALUE` or `--flag=VALUE` in `cmdline`. */
function flagValue(cmdline: readonly string[], flag: string): string | undefined {
  for (let i = 0; i < cmdline.length; i++) {
    const arg = cmdline[i]!;
    if (arg === flag) return cmdline[i + 1];
    if (arg.startsWith(`${flag}=`)) return arg.slice(flag.length + 1);
  }
  return undefined;
}

/** Discovery facts of the Docker API kind. */
export const DOCKER_DISCOVERY: DiscoveryFacts = {
  processNames: ["dockerd", "podman"],
  // A podman process serves the API only as `podman system service`.
  isEngineProcess: (comm, cmdline) => comm !== "podman" || (cmdline.includes("system") && cmdline.includes("service")),
  // dockerd's containerd holds Docker's own containers (namespace moby): not a second engine.
  ownedSockets: (comm, cmdline) =>
    comm !== "dockerd" ? [] : [
      flagValue(cmdline, "--containerd") ??
        `${flagValue(cmdline, "--exec-root") ?? DEFAULT_EXEC_ROOT}/containerd/containerd.sock`,
    ],
  // dockerd also listens on metrics and libnetwork sockets; the shims' are ttrpc.
  acceptsSocket: (path) =>
    !path.endsWith(".ttrpc") && !path.endsWith("/metrics.sock") && !path.includes("/libnetwork/"),
  endpointFor: (socketPath) => `unix://${socketPath}`,
  configured: () => {
    const env = processEnv();
    const found: CandidateEndpoint[] = [];
    if (env.DOCKER_HOST) {
      found.push({
        endpoint: env.DOCKER_HOST,
        socketPath: unixPath(env.DOCKER_HOST),
        source: { method: "configured", detail: "$DOCKER_HOST" },
      });
    }
    const context = lookupDockerContext(env);
    if (context.kind === "context") {
      const { host, source } = context.endpoint;
      found.push({ endpoint: host, socketPath: unixPath(host), source: { method: "configured", detail: source } });
    }
    return Promise.resolve(found);
  },
  wellKnown: (places: HostPlaces) => [
    place("/var/run/docker.sock"),
    place("/run/podman/podman.sock"),
    ...places.userRuntimeDirs.flatMap((dir) => [place(`${dir}/docker.sock`), place(`${dir}/podman/podman.sock`)]),
    ...(places.home === ""
      ? []
      : [place(`${places.home}/.docker/desktop/docker.sock`), place(`${places.home}/.docker/run/docker.sock`)]),
  ],
};
