/**
 * Test hooks of whalewatcher, kept out of the main entry point: the HTTP
 * transport a {@linkcode DockerClient} can be given instead of the runtime's
 * own (`DockerClientOptions.transportFactory`), and the types such a
 * transport deals in. Import from `@whalewatcher/whalewatcher/testing` (JSR)
 * or `whalewatcher/testing` (npm) to script a Docker engine in tests or to
 * route requests through a transport of your own.
 *
 * @example A Docker engine that is up but fails every API call with 503
 * ```ts
 * import { DockerClient, EngineApiError } from "@whalewatcher/whalewatcher";
 * import type { TransportFactory } from "@whalewatcher/whalewatcher/testing";
 *
 * const headers = new Headers({ "api-version": "1.41" });
 * const body = (text: string) => new TextEncoder().encode(text);
 * const maintenance: TransportFactory = (endpoint) => Promise.resolve({
 *   endpoint,
 *   get: (path) => Promise.resolve(path === "/_ping" ? { status: 200, statusText: "OK", headers, body: body("OK") } : { status: 503, statusText: "", headers, body: body("{}") }),
 *   request: () => Promise.resolve(new Response("{}", { status: 503 })),
 *   close: () => Promise.resolve(),
 *   [Symbol.asyncDispose]: () => Promise.resolve(),
 * });
 * await using client = new DockerClient({ host: "unix:///fake.sock", transportFactory: maintenance });
 * console.assert((await client.list().catch((e: unknown) => e)) instanceof EngineApiError);
 * ```
 *
 * @module
 */

export type { TransportFactory } from "./engines/docker/connection.ts";
export type {
  HttpEndpoint,
  HttpGetInit,
  HttpHeaders,
  HttpReply,
  HttpRequestInit,
  HttpResponse,
  HttpTransport,
  TlsSettings,
} from "./lib/transport/http.ts";
