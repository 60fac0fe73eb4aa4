/**
 * CRI engine client for whalewatcher: a Kubernetes node's container runtime
 * (containerd's CRI plugin, CRI-O) through CRI `runtime.v1` over its unix
 * socket (Connect, HTTP/2), read-only; evented where the runtime can,
 * corrected by a periodic relist always.
 *
 * @module
 */

export {
  CRI_ENGINE_TYPE,
  CriClient,
  DEFAULT_CRI_SOCKET,
  DEFAULT_CRI_SOCKETS,
  DEFAULT_EVENTS_BACKOFF,
  DEFAULT_RELIST_INTERVAL_MS,
  DEFAULT_STATUS_CONCURRENCY,
} from "./client.ts";
export type { CriClientOptions, CriLogger } from "./client.ts";
export type { CriCorrection, CriEventMode } from "./events.ts";
export {
  ANNOTATION_LABEL_PREFIX,
  CONTAINER_NAME_LABEL,
  POD_NAME_LABEL,
  POD_NAMESPACE_LABEL,
  POD_UID_LABEL,
  SANDBOX_LABEL,
} from "./container.ts";
