/**
 * The floor of the Docker client benchmarks: a GET on a unix socket issued
 * with the runtime's own HTTP client directly, body read whole as bytes — no
 * transport wrapper, signals, JSON or model work. Node: `undici.request` on
 * an `Agent` with the options the client's adapter uses; Deno: `fetch` with
 * a `Deno.HttpClient`; Bun: `fetch` with its `unix` option.
 *
 * @module
 */

import { runtime } from "../../lib/runtime.ts";
import { undiciAgentOptions } from "../../lib/transport/node.ts";

/** GETs `path` and returns the whole body. */
export type RawGet = (path: string) => Promise<Uint8Array>;

interface UndiciLike {
  Agent: new (options: object) => { destroy(): Promise<void> };
  request(url: string, init: object): Promise<{ body: { arrayBuffer(): Promise<ArrayBuffer> } }>;
}

declare const Deno: { createHttpClient(options: object): { close(): void } };

/**
 * The runtime's raw GET on the unix socket `socketPath`, and how to release it.
 *
 * @example
 * ```ts ignore
 * import { rawGetter } from "./raw-http.ts";
 * const { get, close } = await rawGetter("/var/run/docker.sock");
 * console.log((await get("/_ping")).length);
 * await close();
 * ```
 */
export async function rawGetter(socketPath: string): Promise<{ get: RawGet; close(): Promise<void> }> {
  const url = (path: string): string => `http://localhost${path}`;
  if (runtime === "node") {
    const undici = (await import("undici")) as unknown as UndiciLike;
    const dispatcher = new undici.Agent(undiciAgentOptions({ kind: "unix", path: socketPath }, { connectTimeoutMs: 5000 }));
    return {
      get: async (path) => new Uint8Array(await (await undici.request(url(path), { dispatcher })).body.arrayBuffer()),
      close: () => dispatcher.destroy(),
    };
  }
  if (runtime === "deno") {
    const client = Deno.createHttpClient({ proxy: { transport: "unix", path: socketPath } });
    return {
      get: async (path) => new Uint8Array(await (await fetch(url(path), { client } as RequestInit)).arrayBuffer()),
      close: () => Promise.resolve(client.close()),
    };
  }
  return {
    get: async (path) => new Uint8Array(await (await fetch(url(path), { unix: socketPath } as RequestInit)).arrayBuffer()),
    close: () => Promise.resolve(),
  };
}

/** The raw list-then-inspect of a sync: the list, then every inspect with `concurrency` in flight. */
export async function rawSync(get: RawGet, listPath: string, inspectPaths: readonly string[], concurrency: number): Promise<void> {
  await get(listPath);
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < inspectPaths.length) await get(inspectPaths[next++]!);
  }));
}

/**
 * The runtime's raw streaming GET: yields the body's chunks as they arrive
 * (the `ReadableStream` of undici's `fetch` on Node, of `fetch` on Deno and Bun).
 */
export async function* rawStream(socketPath: string, path: string, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  const url = `http://localhost${path}`;
  if (runtime === "node") {
    // undici's fetch (a web stream, as the client's event stream uses): `undici.request`'s body stalled here
    // after the first chunk when read through a generator (not investigated further).
    const undici = (await import("undici")) as unknown as {
      Agent: new (options: object) => { destroy(): Promise<void> };
      fetch(url: string, init: object): Promise<Response>;
    };
    const dispatcher = new undici.Agent(undiciAgentOptions({ kind: "unix", path: socketPath }, { connectTimeoutMs: 5000 }));
    try {
      const body = (await undici.fetch(url, { dispatcher, signal })).body;
      if (body) yield* body as unknown as AsyncIterable<Uint8Array>;
    } finally {
      await dispatcher.destroy();
    }
    return;
  }
  const client = runtime === "deno" ? Deno.createHttpClient({ proxy: { transport: "unix", path: socketPath } }) : undefined;
  try {
    const init = runtime === "deno" ? { client, signal } : { unix: socketPath, signal };
    const body = (await fetch(url, init as RequestInit)).body;
    if (body) yield* body as unknown as AsyncIterable<Uint8Array>;
  } finally {
    client?.close();
  }
}
