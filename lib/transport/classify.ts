/**
 * Maps the errors that Node (undici), Deno and Bun raise for failed HTTP
 * requests onto structured {@linkcode TransportError}s naming the endpoint.
 * The runtimes disagree on shape, so this looks at every error in the
 * `cause` chain (shapes recorded by experiment, see tests/transport):
 *
 * | failure | Node (undici) | Deno | Bun |
 * |---|---|---|---|
 * | socket missing | `ENOENT` | `… (Connect): No such file or directory (os error 2)` | `ENOENT` |
 * | nobody listening | `ECONNREFUSED` | `… (os error 111)` | `ECONNREFUSED` |
 * | permission denied | `EACCES` | `… (os error 13)`; missing flags: `NotCapable` | `EACCES` |
 * | not HTTP/1.x | `HTTPParserError` | `… (SendRequest): invalid HTTP version parsed` | `Malformed_HTTP_Response` |
 * | peer closes at once | `EPIPE` / `UND_ERR_SOCKET` (other side closed) | `Broken pipe (os error 32)` / `connection closed before message completed` | `ECONNRESET` |
 * | TLS: unknown CA | `SELF_SIGNED_CERT_IN_CHAIN` | `… invalid peer certificate: UnknownIssuer` | `SELF_SIGNED_CERT_IN_CHAIN` |
 * | TLS: client cert missing | `ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED` | `received fatal alert: CertificateRequired` | `EPROTO` (TLS handshake failed) |
 *
 * A peer that accepts and then closes is a broken connection, not another
 * protocol: that is what a restarting engine or a cutting proxy does, and it
 * heals. Only bytes that are not HTTP/1.x are a protocol error.
 *
 * @module
 */

import { formatEndpoint, type HttpEndpoint } from "./endpoint.ts";
import { describeCause, type TransportFailure, TransportError } from "./failure.ts";

export { type TransportFailure, TransportError } from "./failure.ts";

interface Evidence {
  codes: Set<string>;
  names: Set<string>;
  text: string;
}

const UNAVAILABLE_CODES = new Set([
  "ENOENT",
  "ENOTDIR",
  "ENOTSOCK",
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
const BROKEN_CODES = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED", "UND_ERR_SOCKET", "UND_ERR_CLOSED", "ConnectionClosed"]);
const PROTOCOL_CODES = new Set(["Malformed_HTTP_Response", "InvalidHTTPResponse", "UND_ERR_HEADERS_OVERFLOW"]);
// OS error numbers as Deno (Rust std::io) prints them: "(os error N)".
const UNAVAILABLE_OS_ERRORS = new Set([2, 20, 88, 111, 113, 101, 112, 110]);
const PERMISSION_OS_ERRORS = new Set([13, 1]);
const BROKEN_OS_ERRORS = new Set([32, 103, 104]);
// hyper's (so Deno's) parse errors: "invalid HTTP version parsed", "invalid HTTP header parsed", "message head is too large", …
const DENO_PARSE_ERROR = /invalid HTTP \w[\w -]* parsed|message head is too large|invalid (?:content-length|transfer-encoding)/i;
const CLOSED_TEXT = /connection closed before message completed|socket connection was closed unexpectedly|other side closed/i;

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

/**
 * Decides which kind of failure an error raised by a runtime's `fetch` (before
 * the response head arrived) stands for. What it cannot recognise counts as
 * `broken` (retryable): only positive evidence makes a failure permanent.
 */
export function classifyFailure(error: unknown): TransportFailure {
  const { codes, names, text } = gather(error);
  const has = (set: ReadonlySet<string>): boolean => [...codes].some((c) => set.has(c));
  if (names.has("NotCapable") || names.has("PermissionDenied") && /--allow-/.test(text)) return "denied-by-runtime";
  const osErrors = [...text.matchAll(/\(os error (\d+)\)/g)].map((m) => Number(m[1]));
  const hasOs = (set: ReadonlySet<number>): boolean => osErrors.some((n) => set.has(n));
  if (has(PERMISSION_CODES) || hasOs(PERMISSION_OS_ERRORS)) return "permission";
  if (has(UNAVAILABLE_CODES) || hasOs(UNAVAILABLE_OS_ERRORS)) return "unavailable";
  if (
    [...codes].some((c) => /CERT|SSL|TLS|SIGNATURE|ISSUER|EPROTO/.test(c)) ||
    /certificate|handshake|fatal alert|\btls\b|\bssl\b/i.test(text)
  ) {
    return "tls";
  }
  if (has(BROKEN_CODES) || hasOs(BROKEN_OS_ERRORS) || CLOSED_TEXT.test(text)) return "broken";
  if (
    names.has("HTTPParserError") || [...codes].some((c) => c.startsWith("HPE_")) || has(PROTOCOL_CODES) ||
    DENO_PARSE_ERROR.test(text)
  ) {
    return "protocol";
  }
  return "broken";
}

/** The Deno flags that grant access to an endpoint. */
export function denoFlags(endpoint: HttpEndpoint): string {
  if (endpoint.kind === "unix") {
    const p = endpoint.path;
    return `--allow-read=${p} --allow-write=${p} --allow-net=unix:${p},localhost`;
  }
  return `--allow-net=${endpoint.host}:${endpoint.port}`;
}

/**
 * Turns an error raised while requesting `endpoint` (before the response head
 * arrived) into a {@linkcode TransportError}, keeping the original as `cause`.
 */
export function classifyTransportError(error: unknown, endpoint: HttpEndpoint): TransportError {
  const failure = classifyFailure(error);
  return new TransportError({
    failure,
    endpoint: formatEndpoint(endpoint),
    detail: describeCause(error),
    cause: error,
    ...(failure === "permission" || failure === "denied-by-runtime" ? { denoFlags: denoFlags(endpoint) } : {}),
  });
}

/**
 * Turns an error raised while reading a response body (connection lost,
 * truncated or malformed chunking) into a `broken` {@linkcode TransportError}:
 * the stream had worked, so whatever ends it midway heals with a new one.
 */
export function classifyBodyError(error: unknown, endpoint: HttpEndpoint): TransportError {
  return new TransportError({
    failure: "broken",
    phase: "body",
    endpoint: formatEndpoint(endpoint),
    detail: describeCause(error),
    cause: error,
  });
}
