/**
 * Where containerd is found on a host (its own, k3s'), for discovery.
 *
 * @module
 */

import type { CandidateEndpoint, DiscoveryFacts } from "../../lib/discovery/types.ts";
import { mayReadEnv } from "../../lib/permissions.ts";

function place(path: string): CandidateEndpoint {
  return { endpoint: path, socketPath: path, source: { method: "well-known", detail: path } };
}

/** containerd's API socket: not the shims' ttrpc sockets nor its debug socket. */
export function isContainerdApiSocket(path: string): boolean {
  return !path.endsWith(".ttrpc") && !path.endsWith("debug.sock");
}

/** Discovery facts of containerd's native view. */
export const CONTAINERD_DISCOVERY: DiscoveryFacts = {
  processNames: ["containerd"],
  acceptsSocket: isContainerdApiSocket,
  endpointFor: (socketPath) => socketPath,
  configured: () => {
    // The address `ctr` uses.
    const address = mayReadEnv("CONTAINERD_ADDRESS") ? process.env.CONTAINERD_ADDRESS : undefined;
    return Promise.resolve(
      address ? [{ endpoint: address, socketPath: address, source: { method: "configured", detail: "$CONTAINERD_ADDRESS" } }] : [],
    );
  },
  wellKnown: () => [place("/run/containerd/containerd.sock"), place("/run/k3s/containerd/containerd.sock")],
};
