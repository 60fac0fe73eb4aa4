/**
 * Test hooks of whalewatcher, kept out of the main entry point: the HTTP
 * transport a {@linkcode DockerClient} can be given instead of the runtime's
 * own (`DockerClientOptions.transportFactory`), and the types such a
 * transport deals in. Import from `@whalewatcher/whalewatcher/testing` (JSR)
 * or `whalewatcher/testing` (npm) to script a Docker engine in tests or to
 * route requests through a transport of your own.
 *
 * @example A transport that answers every request with 503
 * ```ts ignore
 * import { DockerClient } from "@whalewatcher/whalewatcher";
 * import type { TransportFactory } from "@whalewatcher/whalewatcher/testing";
 *
 * const unavailable: TransportFactory = (endpoint) => Promise.resolve(myFakeTransport(endpoint, 503));
 * const client = new DockerClient({ host: "unix:///fake.sock", transportFactory: unavailable });
 * ```
 *
 * @module
 */

export type { TransportFactory } from "./engines/docker/connection.ts";
export type {
  HttpEndpoint,
  HttpGetInit,
  HttpReply,
  HttpRequestInit,
  HttpTransport,
  TlsSettings,
} from "./lib/transport/http.ts";
