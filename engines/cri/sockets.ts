/**
 * Where CRI runtimes listen by default, apart from the client so that naming
 * them (the CLI's engine table) does not load the gRPC stack.
 *
 * @module
 */

/**
 * The CRI sockets tried in order when none is given: containerd's, then CRI-O's.
 *
 * @example Use the first default socket where a CRI runtime answers
 * ```ts
 * import { CriClient, DEFAULT_CRI_SOCKETS } from "@whalewatcher/whalewatcher";
 *
 * for (const socket of DEFAULT_CRI_SOCKETS) {
 *   await using client = new CriClient({ socket });
 *   const version = await client.version().catch(() => undefined); // plain containerd: no CRI plugin
 *   if (version === undefined) continue;
 *   console.log(socket, version);
 *   break;
 * }
 * ```
 */
export const DEFAULT_CRI_SOCKETS: readonly string[] = ["/run/containerd/containerd.sock", "/var/run/crio/crio.sock"];
