/**
 * Deno adapter: `fetch` with a `Deno.HttpClient`, which reaches unix sockets
 * through its `proxy: { transport: "unix" }` option and carries TLS material.
 *
 * Deno checks permissions when the client is created and when fetching: a
 * unix socket needs `--allow-read=P --allow-write=P --allow-net=unix:P` and,
 * for the request URL, `--allow-net=localhost`; a denial raises
 * `Deno.errors.NotCapable`. Deno cannot switch off certificate verification
 * per client: `verify: false` still verifies (against `ca` when given)
 * unless Deno runs with `--unsafely-ignore-certificate-errors`.
 *
 * @module
 */

import { type AdapterRequestInit, type FetcherFactory, replyOf, type RuntimeFetcher } from "./adapter.ts";
import { TcpReachability } from "./tcp-probe.ts";

interface DenoHttpClient {
  close(): void;
}

interface DenoHttpClientOptions {
  proxy?: { transport: "unix"; path: string };
  caCerts?: string[];
  cert?: string;
  key?: string;
}

// Typed here, minimally, so that type checking under Node needs no Deno types.
declare const Deno: { createHttpClient(options: DenoHttpClientOptions): DenoHttpClient };

/** Creates the Deno fetcher for an endpoint. */
export const createDenoFetcher: FetcherFactory = (endpoint, options): Promise<RuntimeFetcher> => {
  const clientOptions: DenoHttpClientOptions = {};
  let reachability: TcpReachability | undefined;
  if (endpoint.kind === "unix") {
    clientOptions.proxy = { transport: "unix", path: endpoint.path };
  } else {
    reachability = new TcpReachability(endpoint.host, endpoint.port, options.connectTimeoutMs);
    if (endpoint.tls?.ca !== undefined) clientOptions.caCerts = [endpoint.tls.ca];
    if (endpoint.tls?.cert !== undefined) clientOptions.cert = endpoint.tls.cert;
    if (endpoint.tls?.key !== undefined) clientOptions.key = endpoint.tls.key;
  }
  const client = Deno.createHttpClient(clientOptions);
  const fetchVia = (url: string, init: AdapterRequestInit): Promise<Response> => {
    const send = (): Promise<Response> => fetch(url, { ...init, client } as RequestInit);
    return reachability ? reachability.guard(init.signal, send) : send();
  };
  return Promise.resolve({
    fetch: fetchVia,
    read: async (url, init) => replyOf(await fetchVia(url, init)),
    close(): Promise<void> {
      client.close();
      return Promise.resolve();
    },
  });
};
