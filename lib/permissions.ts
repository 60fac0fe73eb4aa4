/**
 * What the process may do without asking: on Deno, an access that is not
 * granted would stop an interactive run at a permission prompt (or fail),
 * which is wrong for settings that are only consulted on the off chance
 * (`HOME`, `~/.docker/config.json`) and for engines a scan merely tries.
 * Asked with `Deno.permissions.querySync`, which never prompts. Node and
 * Bun have no permissions to ask. This file is the one Deno adapter for
 * permissions.
 *
 * @module
 */

import { runtime } from "./runtime.ts";

/** One permission, as `Deno.permissions.query` takes it. */
export type DenoGrant =
  | { readonly name: "read" | "write"; readonly path: string }
  | { readonly name: "net"; readonly host: string }
  | { readonly name: "env"; readonly variable: string };

interface DenoPermissions {
  permissions: { querySync(descriptor: DenoGrant): { state: string } };
}

function granted(descriptor: DenoGrant): boolean {
  if (runtime !== "deno") return true;
  const deno = (globalThis as unknown as { Deno: DenoPermissions }).Deno;
  return deno.permissions.querySync(descriptor).state === "granted";
}

/** Whether the environment variable `name` can be read without a permission prompt. */
export function mayReadEnv(name: string): boolean {
  return granted({ name: "env", variable: name });
}

/** Whether the file at `path` can be read without a permission prompt. */
export function mayReadFile(path: string): boolean {
  return granted({ name: "read", path });
}

/**
 * The grants an endpoint needs: read, write and net on a unix socket (and
 * `localhost` for HTTP over it, which Deno checks as well), net on a TCP
 * address. `api` is a client's endpoint: `unix:///path`, a bare `/path`, or
 * `tcp://host:port`/`http(s)://host:port`.
 *
 * @example
 * ```ts
 * import { endpointGrants } from "./permissions.ts";
 * console.assert(endpointGrants("tcp://127.0.0.1:2375")[0]?.name === "net");
 * ```
 */
export function endpointGrants(api: string): DenoGrant[] {
  const path = api.startsWith("unix://") ? api.slice("unix://".length) : api.startsWith("/") ? api : undefined;
  if (path !== undefined) {
    const http = api.startsWith("unix://");
    return [
      { name: "read", path },
      { name: "write", path },
      { name: "net", host: `unix:${path}` },
      ...(http ? [{ name: "net", host: "localhost" } as const] : []),
    ];
  }
  const address = /^[a-z]+:\/\/([^/]+)/.exec(api)?.[1];
  return address === undefined ? [] : [{ name: "net", host: address }];
}

/**
 * Those of `grants` the process does not have (always none outside Deno).
 *
 * @example
 * ```ts
 * import { endpointGrants, missingGrants } from "./permissions.ts";
 * console.log(missingGrants(endpointGrants("/run/containerd/containerd.sock")));
 * ```
 */
export function missingGrants(grants: readonly DenoGrant[]): DenoGrant[] {
  return grants.filter((grant) => !granted(grant));
}

/**
 * The Deno flags that grant all of `grants`, one flag per kind with every
 * value (a second `--allow-read` would replace the first, not add to it).
 *
 * @example
 * ```ts
 * import { endpointGrants, grantFlags } from "./permissions.ts";
 * console.assert(grantFlags(endpointGrants("tcp://10.0.0.5:2375")) === "--allow-net=10.0.0.5:2375");
 * ```
 */
export function grantFlags(grants: readonly DenoGrant[]): string {
  const values = new Map<string, string[]>();
  for (const g of grants) {
    const value = g.name === "env" ? g.variable : g.name === "net" ? g.host : g.path;
    const list = values.get(g.name) ?? [];
    if (!list.includes(value)) list.push(value);
    values.set(g.name, list);
  }
  return [...values].map(([name, list]) => `--allow-${name}=${list.join(",")}`).join(" ");
}
