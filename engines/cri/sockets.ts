/**
 * Where CRI runtimes listen by default, apart from the client so that naming
 * them (the CLI's engine table) does not load the gRPC stack.
 *
 * @module
 */

/** The CRI sockets tried in order when none is given: containerd's, then CRI-O's. */
export const DEFAULT_CRI_SOCKETS: readonly string[] = ["/run/containerd/containerd.sock", "/var/run/crio/crio.sock"];
