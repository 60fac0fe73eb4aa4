/**
 * Engine API endpoints: a discriminated union (pain point 10: no option
 * precedence traps), parsed from a single `DOCKER_HOST`-style URL.
 *
 * @module
 */

/**
 * TLS settings of a TCP endpoint; certificates and key are PEM strings.
 *
 * @example TLS material of a TCP endpoint
 * ```ts
 * import type { HttpEndpoint, TlsSettings } from "@whalewatcher/whalewatcher/testing";
 *
 * const tls: TlsSettings = { verify: true, ca: "-----BEGIN CERTIFICATE-----\n…" };
 * const endpoint: HttpEndpoint = { kind: "tcp", host: "docker.example", port: 2376, tls };
 * console.log(endpoint.kind, tls.verify);
 * ```
 */
export interface TlsSettings {
  /** CA certificate(s) to trust in addition to the system's. */
  ca?: string;
  /** Client certificate chain for mutual TLS. */
  cert?: string;
  /** Client private key for mutual TLS. */
  key?: string;
  /** Whether to verify the server's certificate (Docker: `DOCKER_TLS_VERIFY`). */
  verify: boolean;
}

/**
 * Where an HTTP engine API listens.
 *
 * @example Where a transport sends its requests
 * ```ts
 * import type { HttpEndpoint } from "@whalewatcher/whalewatcher/testing";
 *
 * const describe = (endpoint: HttpEndpoint) => endpoint.kind === "unix" ? `unix socket ${endpoint.path}` : `${endpoint.tls ? "https" : "http"}://${endpoint.host}:${endpoint.port}`;
 * console.log(describe({ kind: "unix", path: "/var/run/docker.sock" }), describe({ kind: "tcp", host: "10.0.0.5", port: 2376, tls: { verify: true } }));
 * ```
 */
export type HttpEndpoint =
  | {
    /** A unix domain socket. */
    kind: "unix";
    /** File system path of the socket. */
    path: string;
  }
  | {
    /** A TCP address, optionally with TLS. */
    kind: "tcp";
    /** Host name or IP address (IPv6 without brackets). */
    host: string;
    /** TCP port. */
    port: number;
    /** Path prefix of every request, e.g. `/docker`; no trailing slash. */
    basePath?: string;
    /** TLS settings; absent means plain HTTP. */
    tls?: TlsSettings;
  };

const UNSUPPORTED_SCHEMES: Record<string, string> = {
  ssh: "ssh:// is not supported: forward the remote socket instead " +
    "(ssh -nNT -L /tmp/engine.sock:/path/of/the/remote.sock user@host) and use unix:///tmp/engine.sock",
  npipe: "npipe:// (Windows named pipes) is not supported",
  fd: "fd:// (systemd socket activation) is a server-side address, not a client one",
};

/**
 * Parses a `DOCKER_HOST`-style address: `unix:///path`, a bare absolute
 * `/path` (pain point 8), `tcp://host[:port][/base]` or
 * `http(s)://host[:port][/base]`.
 *
 * As in Docker's client, `tls`, when given, turns on TLS for any TCP form;
 * `https://` turns it on with verification against the system's CAs when
 * `tls` is absent. It is ignored for unix sockets. Default ports: `tcp://`
 * 2375 (2376 with TLS), `http://` 80, `https://` 443.
 *
 * @throws {TypeError} on anything else (e.g. `ssh://`, `npipe://`, relative
 * paths, user info, queries), with a message that says why.
 */
export function parseEndpoint(url: string, tls?: TlsSettings): HttpEndpoint {
  const address = url.trim();
  if (address === "") throw new TypeError("empty engine address: expected unix:///path or tcp://host:port");
  if (address.startsWith("/")) return { kind: "unix", path: address };
  const match = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(address);
  if (!match) {
    throw new TypeError(
      `invalid engine address ${JSON.stringify(url)}: expected an absolute socket path, unix:///path or tcp://host:port`,
    );
  }
  const scheme = match[1]!.toLowerCase();
  const rest = match[2]!;
  if (scheme === "unix") {
    if (rest === "") throw new TypeError(`invalid engine address ${JSON.stringify(url)}: unix:// needs a socket path`);
    return { kind: "unix", path: rest };
  }
  if (scheme === "tcp" || scheme === "http" || scheme === "https") {
    return parseTcp(url, scheme, rest, tls ?? (scheme === "https" ? { verify: true } : undefined));
  }
  const why = UNSUPPORTED_SCHEMES[scheme] ?? `unsupported scheme ${scheme}://`;
  throw new TypeError(`invalid engine address ${JSON.stringify(url)}: ${why}`);
}

function parseTcp(url: string, scheme: string, rest: string, tls: TlsSettings | undefined): HttpEndpoint {
  const invalid = (why: string): TypeError => new TypeError(`invalid engine address ${JSON.stringify(url)}: ${why}`);
  if (/[?#]/.test(rest)) throw invalid("queries and fragments are not allowed");
  const slash = rest.indexOf("/");
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const basePath = slash < 0 ? "" : rest.slice(slash).replace(/\/+$/, "");
  if (authority.includes("@")) throw invalid("user info is not allowed");
  const parts = /^(?:\[([0-9a-fA-F:.%\w]+)\]|([^:[\]]+))(?::(\d*))?$/.exec(authority);
  if (!parts) throw invalid("expected host[:port]");
  const host = parts[1] ?? parts[2]!;
  const portText = parts[3];
  let port: number;
  if (portText === undefined || portText === "") {
    port = scheme === "http" ? 80 : scheme === "https" ? 443 : tls ? 2376 : 2375;
  } else {
    port = Number(portText);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalid(`port ${portText} out of range`);
  }
  const endpoint: HttpEndpoint = { kind: "tcp", host, port };
  if (basePath !== "") endpoint.basePath = basePath;
  if (tls) endpoint.tls = tls;
  return endpoint;
}

/**
 * Formats an endpoint canonically for messages and `EngineClient.api`:
 * `unix:///var/run/docker.sock`, `tcp://host:2375[/base]`, or
 * `https://host:2376[/base]` when TLS is on.
 */
export function formatEndpoint(e: HttpEndpoint): string {
  if (e.kind === "unix") return `unix://${e.path}`;
  return `${e.tls ? "https" : "tcp"}://${hostForUrl(e.host)}:${e.port}${e.basePath ?? ""}`;
}

/** The host as it must appear in a URL: IPv6 addresses in brackets. */
export function hostForUrl(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}
