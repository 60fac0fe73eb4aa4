/**
 * Where containerd listens by default, apart from the client so that naming
 * it (the CLI's engine table) does not load the gRPC stack.
 *
 * @module
 */

/**
 * containerd's default socket on Linux.
 *
 * @example The containerd client's default socket
 * ```ts
 * import { ContainerdClient, DEFAULT_CONTAINERD_SOCKET } from "@whalewatcher/whalewatcher";
 *
 * await using client = new ContainerdClient();
 * console.assert(client.api === DEFAULT_CONTAINERD_SOCKET);
 * console.log(await client.version());
 * ```
 */
export const DEFAULT_CONTAINERD_SOCKET = "/run/containerd/containerd.sock";
