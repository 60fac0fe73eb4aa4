/**
 * Maps the errors that Node (undici), Deno and Bun raise for failed HTTP
 * requests onto the typed engine errors, naming the endpoint and giving a
 * hint. The runtimes disagree on shape, so this looks at every error in the
 * `cause` chain:
 *
 * | failure | Node (undici) | Deno | Bun |
 * |---|---|---|---|
 * | socket missing | `ENOENT` | `… (Connect): No such file or directory (os error 2)` | `ENOENT` |
 * | nobody listening | `ECONNREFUSED` | `… (os error 111)` | `ECONNREFUSED` |
 * | permission denied | `EACCES` | `… (os error 13)`; missing flags: `NotCapable` | `EACCES` |
 * | not HTTP/1.x | `HTTPParserError` | `… (SendRequest): invalid HTTP version parsed` | `Malformed_HTTP_Response` |
 * | peer closes at once | `EPIPE` / `ECONNRESET` / `UND_ERR_SOCKET` | `Connection reset by peer (os error 104)` | `ECONNRESET` |
 * | TLS: unknown CA | `SELF_SIGNED_CERT_IN_CHAIN` | `… invalid peer certificate: UnknownIssuer` | `SELF_SIGNED_CERT_IN_CHAIN` |
 * | TLS: client cert missing | `UND_ERR_SOCKET` (other side closed) | `received fatal alert: CertificateRequired` | `EPROTO` (TLS handshake failed) |
 *
 * @module
 */

import {
  type EngineError,
  EnginePermissionError,
  EngineProtocolError,
  EngineUnavailableError,
} from "../errors.ts";
import { formatEndpoint, type HttpEndpoint } from "./endpoint.ts";

/** What went wrong, as far as the errors tell. */
export type TransportFailure = "unavailable" | "permission" | "denied-by-deno" | "tls" | "protocol";

interface Evidence {
  codes: Set<string>;
  names: Set<string>;
  text: string;
}

const UNAVAILABLE_CODES = new Set([
  "ENOENT",
  "ENOTDIR",
  "ECONNREFUSED",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EHOSTDOWN",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "UND_ERR_CONNECT_TIMEOUT",
  "ConnectionRefused",
  "FailedToOpenSocket",
  "ConnectionTimedOut",
]);
const PERMISSION_CODES = new Set(["EACCES", "EPERM"]);
// OS error numbers as Deno (Rust std::io) prints them: "(os error N)".
const UNAVAILABLE_OS_ERRORS = new Set([2, 20, 111, 113, 101, 112, 110]);
const PERMISSION_OS_ERRORS = new Set([13, 1]);

function gather(error: unknown): Evidence {
  const evidence: Evidence = { codes: new Set(), names: new Set(), text: "" };
  const pending: unknown[] = [error];
  for (let seen = 0; pending.length > 0 && seen < 16; seen++) {
    const e = pending.shift();
    if (e === null || typeof e !== "object") {
      if (e !== undefined) evidence.text += ` ${String(e)}`;
      continue;
    }
    const { code, name, message, cause, errors } = e as {
      code?: unknown;
      name?: unknown;
      message?: unknown;
      cause?: unknown;
      errors?: unknown;
    };
    if (typeof code === "string") evidence.codes.add(code);
    if (typeof name === "string") evidence.names.add(name);
    if (typeof message === "string") evidence.text += ` ${message}`;
    if (cause !== undefined) pending.push(cause);
    if (Array.isArray(errors)) pending.push(...errors);
  }
  return evidence;
}

/** Decides which kind of failure an error raised by a runtime's `fetch` stands for. */
export function classifyFailure(error: unknown): TransportFailure {
  const { codes, names, text } = gather(error);
  if (names.has("NotCapable") || names.has("PermissionDenied") && /--allow-/.test(text)) return "denied-by-deno";
  const osErrors = [...text.matchAll(/\(os error (\d+)\)/g)].map((m) => Number(m[1]));
  if ([...codes].some((c) => PERMISSION_CODES.has(c)) || osErrors.some((n) => PERMISSION_OS_ERRORS.has(n))) {
    return "permission";
  }
  if ([...codes].some((c) => UNAVAILABLE_CODES.has(c)) || osErrors.some((n) => UNAVAILABLE_OS_ERRORS.has(n))) {
    return "unavailable";
  }
  if (
    [...codes].some((c) => /CERT|SSL|TLS|SIGNATURE|ISSUER/.test(c)) ||
    /certificate|handshake|fatal alert|\btls\b|\bssl\b/i.test(text)
  ) {
    return "tls";
  }
  return "protocol";
}

function denoFlags(endpoint: HttpEndpoint): string {
  if (endpoint.kind === "unix") {
    const p = endpoint.path;
    return `--allow-read=${p} --allow-write=${p} --allow-net=unix:${p},localhost`;
  }
  return `--allow-net=${endpoint.host}:${endpoint.port}`;
}

/**
 * Turns an error raised while requesting `endpoint` into the matching typed
 * engine error, keeping the original as `cause`.
 */
export function classifyTransportError(error: unknown, endpoint: HttpEndpoint): EngineError {
  const where = formatEndpoint(endpoint);
  const detail = describe(error);
  const options = { endpoint: where, cause: error };
  switch (classifyFailure(error)) {
    case "unavailable":
      return new EngineUnavailableError(`no engine at ${where} (${detail})`, {
        ...options,
        hint: endpoint.kind === "unix"
          ? "is the engine running? Check the socket path (rootless Docker: $XDG_RUNTIME_DIR/docker.sock, " +
            "podman: $XDG_RUNTIME_DIR/podman/podman.sock or /run/podman/podman.sock) and DOCKER_HOST"
          : "is the engine running and listening on this address? Check DOCKER_HOST and firewalls",
      });
    case "permission":
      return new EnginePermissionError(`permission denied connecting to ${where} (${detail})`, {
        ...options,
        hint: endpoint.kind === "unix"
          ? `add your user to the socket's group (usually \`docker\`: sudo usermod -aG docker $USER, then log in again), ` +
            `or use the rootless engine's socket; under Deno also grant ${denoFlags(endpoint)}`
          : "check the engine's access rules for this address",
      });
    case "denied-by-deno":
      return new EnginePermissionError(`Deno denied access to ${where} (${detail})`, {
        ...options,
        hint: `run Deno with ${denoFlags(endpoint)}`,
      });
    case "tls":
      return new EngineProtocolError(`TLS with ${where} failed (${detail})`, {
        ...options,
        hint: "check the CA certificate (DOCKER_CERT_PATH/ca.pem), that the server certificate names this host, " +
          "and the client certificate and key (cert.pem, key.pem) the server may require; " +
          "Deno cannot skip verification per client: use --unsafely-ignore-certificate-errors=<host> if you must",
      });
    case "protocol":
      return new EngineProtocolError(`the peer at ${where} does not speak HTTP/1.1 as expected (${detail})`, {
        ...options,
        hint: endpoint.kind === "tcp" && endpoint.tls
          ? "does this address serve the engine API over HTTPS, and does the server accept the client certificate " +
            "(DOCKER_CERT_PATH/cert.pem, key.pem)?"
          : "is this the engine's HTTP API socket? containerd's socket speaks gRPC, not the Docker API",
      });
  }
}

/** The most specific message in an error's cause chain. */
function describe(error: unknown): string {
  let innermost: unknown = error;
  for (let depth = 0; depth < 8; depth++) {
    const cause = (innermost as { cause?: unknown } | null)?.cause;
    if (cause === undefined || cause === null) break;
    innermost = cause;
  }
  if (innermost instanceof Error || (typeof innermost === "object" && innermost !== null && "message" in innermost)) {
    const { code, message } = innermost as { code?: unknown; message?: unknown };
    const text = String(message);
    return typeof code === "string" && !text.includes(code) ? `${code}: ${text}` : text;
  }
  return String(innermost);
}

/**
 * Turns an error raised while reading a response body (connection lost,
 * truncated or malformed chunking) into an {@linkcode EngineProtocolError}.
 */
export function classifyBodyError(error: unknown, endpoint: HttpEndpoint): EngineError {
  const where = formatEndpoint(endpoint);
  return new EngineProtocolError(`the response from ${where} broke off (${describe(error)})`, {
    endpoint: where,
    cause: error,
    hint: "the engine may have stopped or restarted; retry",
  });
}
