/**
 * containerd engine client for whalewatcher: containerd's native gRPC API
 * over its unix socket (Connect, HTTP/2), read-only.
 *
 * @module
 */

export {
  CONTAINERD_ENGINE_TYPE,
  ContainerdClient,
  DEFAULT_CONTAINERD_SOCKET,
  DEFAULT_IGNORED_NAMESPACES,
} from "./client.ts";
export type { ContainerdClientOptions, ContainerdLogger } from "./client.ts";
export type {
  ContainerdAny,
  ContainerdContainerRecord,
  ContainerdPacker,
  ContainerdProcessRecord,
  ContainerdRecord,
} from "./container.ts";
