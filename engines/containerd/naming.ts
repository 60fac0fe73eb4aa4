/**
 * How containerd's namespaced containers map onto whalewatcher's flat IDs
 * and names.
 *
 * @module
 */

/** The namespace whose containers keep their bare IDs and names. */
export const DEFAULT_NAMESPACE = "default";

/** Label carrying a nerdctl container's name. */
export const NERDCTL_NAME_LABEL = "nerdctl/name";

/**
 * Returns the whalewatcher ID (or name) of a containerd container ID (or
 * name) in a namespace: `namespace/id`, except in the `default` namespace
 * where it is just `id`.
 */
export function namespacedRef(namespace: string, idOrName: string): string {
  return namespace === DEFAULT_NAMESPACE ? idOrName : `${namespace}/${idOrName}`;
}

/** A containerd container reference: namespace and ID (or name) within it. */
export interface ContainerRef {
  /** The containerd namespace. */
  readonly namespace: string;
  /** The container ID (or name) within the namespace. */
  readonly id: string;
}

/**
 * Splits a whalewatcher ID or name into namespace and containerd ID (or
 * name); the inverse of {@linkcode namespacedRef}. Neither containerd
 * namespaces nor container IDs may contain `/`, so the first `/` separates
 * them; without one, the reference is in the `default` namespace. Returns
 * `undefined` for references that cannot name a container.
 */
export function parseRef(ref: string): ContainerRef | undefined {
  const slash = ref.indexOf("/");
  const namespace = slash < 0 ? DEFAULT_NAMESPACE : ref.slice(0, slash);
  const id = slash < 0 ? ref : ref.slice(slash + 1);
  if (namespace === "" || id === "" || id.includes("/")) return undefined;
  return { namespace, id };
}
