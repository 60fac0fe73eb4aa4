/**
 * Where CRI runtimes are found on a host (containerd's CRI plugin, CRI-O),
 * for discovery: the CRI view is one more kind probed at the same sockets.
 *
 * @module
 */

import type { CandidateEndpoint, DiscoveryFacts } from "../../lib/discovery/types.ts";
import { mayReadEnv } from "../../lib/permissions.ts";
import { isContainerdApiSocket } from "../containerd/discovery.ts";

function place(path: string): CandidateEndpoint {
  return { endpoint: path, socketPath: path, source: { method: "well-known", detail: path } };
}

/** Discovery facts of the CRI view. */
export const CRI_DISCOVERY: DiscoveryFacts = {
  processNames: ["containerd", "crio"],
  // CRI answers the node name, which every runtime of the host shares.
  idNamesEngine: false,
  acceptsSocket: isContainerdApiSocket,
  endpointFor: (socketPath) => socketPath,
  configured: () => {
    // The endpoint `crictl` uses.
    const address = mayReadEnv("CONTAINER_RUNTIME_ENDPOINT") ? process.env.CONTAINER_RUNTIME_ENDPOINT : undefined;
    const path = address?.replace(/^unix:\/\//, "");
    return Promise.resolve(
      path ? [{ endpoint: path, socketPath: path, source: { method: "configured", detail: "$CONTAINER_RUNTIME_ENDPOINT" } }] : [],
    );
  },
  wellKnown: () => [
    place("/run/containerd/containerd.sock"),
    place("/run/k3s/containerd/containerd.sock"),
    place("/var/run/crio/crio.sock"),
  ],
};
