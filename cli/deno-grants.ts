/**
 * Under Deno, which grants the CLI lacks — asked with
 * `Deno.permissions.query`, which never prompts — so that it can report them
 * all in one message with the exact flags instead of running into one
 * permission prompt after another. On Node and Bun nothing is ever missing.
 * This file is the CLI's one Deno adapter for permissions.
 *
 * @module
 */

import { runtime } from "../lib/runtime.ts";

/** One permission the CLI needs, as `Deno.permissions.query` takes it. */
export type DenoGrant =
  | { readonly name: "read" | "write"; readonly path: string }
  | { readonly name: "net"; readonly host: string }
  | { readonly name: "env"; readonly variable: string };

interface DenoPermissions {
  permissions: { query(descriptor: DenoGrant): Promise<{ state: string }> };
}

/**
 * The grants an endpoint needs: read, write and net on a unix socket (and
 * `localhost` for HTTP over it, which Deno checks as well), net on a TCP
 * address. `api` is a client's endpoint: `unix:///path`, a bare `/path`, or
 * `tcp://host:port`/`http(s)://host:port`.
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

/** Those of `grants` the process does not have (always none outside Deno). */
export async function missingGrants(grants: readonly DenoGrant[]): Promise<DenoGrant[]> {
  if (runtime !== "deno") return [];
  const deno = (globalThis as unknown as { Deno: DenoPermissions }).Deno;
  const states = await Promise.all(grants.map((g) => deno.permissions.query(g)));
  return grants.filter((_, i) => states[i]!.state !== "granted");
}

/**
 * The Deno flags that grant all of `grants`, one flag per kind with every
 * value (a second `--allow-read` would replace the first, not add to it).
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
