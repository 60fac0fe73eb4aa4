/**
 * Where containerd listens by default, apart from the client so that naming
 * it (the CLI's engine table) does not load the gRPC stack.
 *
 * @module
 */

/** containerd's default socket on Linux. */
export const DEFAULT_CONTAINERD_SOCKET = "/run/containerd/containerd.sock";
