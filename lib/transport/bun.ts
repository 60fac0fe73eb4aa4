/**
 * Bun adapter: Bun's own `fetch` options `unix` and `tls` (Bun ignores
 * undici dispatchers and `node:http`'s `socketPath`, oven-sh/bun#2734).
 * `timeout: false` switches off Bun's per-request idle timer (default five
 * minutes), which would otherwise cut a quiet event stream.
 *
 * @module
 */

import { type AdapterRequestInit, type FetcherFactory, replyOf, type RuntimeFetcher } from "./adapter.ts";
import { TcpReachability } from "./tcp-probe.ts";

interface BunFetchOptions {
  unix?: string;
  tls?: { ca?: string; cert?: string; key?: string; rejectUnauthorized: boolean };
  timeout: false;
}

/** Creates the Bun fetcher for an endpoint. */
export const createBunFetcher: FetcherFactory = (endpoint, options): Promise<RuntimeFetcher> => {
  const extra: BunFetchOptions = { timeout: false };
  let reachability: TcpReachability | undefined;
  if (endpoint.kind === "unix") {
    extra.unix = endpoint.path;
  } else {
    reachability = new TcpReachability(endpoint.host, endpoint.port, options.connectTimeoutMs);
    if (endpoint.tls) {
      const { ca, cert, key, verify } = endpoint.tls;
      extra.tls = { rejectUnauthorized: verify };
      if (ca !== undefined) extra.tls.ca = ca;
      if (cert !== undefined) extra.tls.cert = cert;
      if (key !== undefined) extra.tls.key = key;
    }
  }
  const fetchVia = (url: string, init: AdapterRequestInit): Promise<Response> => {
    const send = (): Promise<Response> => fetch(url, { ...init, ...extra } as RequestInit);
    return reachability ? reachability.guard(init.signal, send) : send();
  };
  return Promise.resolve({
    fetch: fetchVia,
    read: async (url, init) => replyOf(await fetchVia(url, init)),
    // Bun pools connections process-wide and does not keep the process alive for idle ones.
    close: (): Promise<void> => Promise.resolve(),
  });
};
