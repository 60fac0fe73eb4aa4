/**
 * Classifies what goes wrong on a gRPC-over-unix-socket connection into
 * structured {@linkcode TransportError}s (what failed, where, whether it may
 * heal) and leaves gRPC statuses the engine sent to the engine client: it
 * alone knows what its statuses mean and how to word them.
 *
 * Recorded by experiment on Node, Deno and Bun (`node:http2` over
 * `node:net`): a peer that accepts and closes without a byte ends the session
 * with `close` and no error (Deno: sometimes `EPIPE` first); bytes that are
 * not HTTP/2 (an HTTP/1.1 server, SSH, …) raise `ERR_HTTP2_ERROR` "Protocol
 * error" on every runtime; Deno denies a socket it may not use with
 * `NotCapable`.
 *
 * @module
 */

import { Code, ConnectError } from "@connectrpc/connect";
import { EngineError } from "../../errors.ts";
import { describeCause, type TransportFailure, TransportError } from "../failure.ts";

/** Dialing errors that mean nothing listens at the path. */
const NOTHING_LISTENS = new Set(["ENOENT", "ECONNREFUSED", "ENOTDIR", "ENOTSOCK"]);

/** Errors by which a peer that accepted the connection dropped it. */
const PEER_HUNG_UP = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED"]);

/** gRPC codes that Connect reports when the connection, not the request, failed. */
const CONNECTION_CODES: ReadonlySet<Code> = new Set([Code.Canceled, Code.Aborted, Code.Unavailable]);

/** The Deno flags that grant use of a unix socket. */
export function socketDenoFlags(socketPath: string): string {
  return `--allow-read=${socketPath} --allow-write=${socketPath} --allow-net=unix:${socketPath}`;
}

/** The errors of a cause chain, outermost first (cycles cut). */
function chain(error: unknown): Error[] {
  const errors: Error[] = [];
  for (let e = error; e instanceof Error && !errors.includes(e); e = e.cause) errors.push(e);
  return errors;
}

function codesOf(errors: readonly Error[]): string[] {
  return errors.map((e) => (e as { code?: unknown }).code).filter((c): c is string => typeof c === "string");
}

/** A transport error of the given kind for the socket. */
export function socketFailure(
  failure: TransportFailure,
  socketPath: string,
  detail: string,
  cause?: unknown,
): TransportError {
  return new TransportError({
    failure,
    endpoint: socketPath,
    detail,
    ...(cause === undefined ? {} : { cause }),
    ...(failure === "permission" || failure === "denied-by-runtime" ? { denoFlags: socketDenoFlags(socketPath) } : {}),
  });
}

/**
 * Classifies an error of dialing the socket or of the HTTP/2 handshake: only
 * an HTTP/2 protocol error (bytes that are not HTTP/2) is `protocol`.
 */
export function connectionFailure(error: unknown, socketPath: string): TransportError {
  const errors = chain(error);
  const codes = codesOf(errors);
  const detail = describeCause(error);
  let failure: TransportFailure;
  if (errors.some((e) => e.name === "NotCapable" || e.name === "PermissionDenied")) failure = "denied-by-runtime";
  else if (codes.some((c) => NOTHING_LISTENS.has(c))) failure = "unavailable";
  else if (codes.includes("EACCES") || codes.includes("EPERM")) failure = "permission";
  else if (codes.some((c) => PEER_HUNG_UP.has(c))) failure = "broken";
  // A failed connect() for any other reason (say, a path too long for a socket): nothing to talk to there.
  else if (errors.some((e) => (e as { syscall?: unknown }).syscall === "connect")) failure = "unavailable";
  else if (codes.includes("ERR_HTTP2_ERROR")) failure = "protocol";
  else failure = "broken";
  return socketFailure(failure, socketPath, detail, error);
}

/** Whether a Node error code means the connection broke (ECONNRESET, EPIPE, ERR_HTTP2_…). */
function isBrokenConnectionCode(code: string): boolean {
  return PEER_HUNG_UP.has(code) || code.startsWith("ERR_HTTP2_") ||
    code === "ERR_STREAM_PREMATURE_CLOSE" || code === "ERR_STREAM_DESTROYED";
}

/**
 * Classifies any error of a call made through a unix-socket gRPC transport:
 * an {@linkcode EngineError} already in the chain (a {@linkcode TransportError}
 * of the handshake, say) is returned as it is; failures of the connection
 * become a {@linkcode TransportError}; a gRPC status the engine sent comes
 * back as a `ConnectError` for the engine client to word.
 *
 * Call it only when the caller did not cancel on purpose: a user abort and a
 * dropped connection both surface as `Canceled` in Connect.
 */
export function classifyGrpcError(error: unknown, socketPath: string): EngineError | ConnectError {
  const errors = chain(error);
  const known = errors.find((e) => e instanceof EngineError);
  if (known !== undefined) return known as EngineError;
  const codes = codesOf(errors);
  if (
    errors.some((e) => e.name === "NotCapable" || e.name === "PermissionDenied") ||
    codes.some((c) => NOTHING_LISTENS.has(c) || c === "EACCES" || c === "EPERM")
  ) {
    return connectionFailure(error, socketPath);
  }
  const connectError = ConnectError.from(error);
  if (CONNECTION_CODES.has(connectError.code) || codes.some(isBrokenConnectionCode)) {
    return socketFailure("broken", socketPath, connectError.rawMessage, error);
  }
  if (connectError.code === Code.DeadlineExceeded) {
    return socketFailure("timeout", socketPath, connectError.rawMessage, error);
  }
  if (isResponseCutShort(connectError)) {
    return socketFailure("broken", socketPath, `the response broke off mid-message (${connectError.rawMessage})`, error);
  }
  return connectError;
}

/**
 * Whether Connect itself, not the engine, raised `InvalidArgument` because the response stream ended
 * inside a message ("incomplete envelope", "promised N bytes"): a peer that stops hard (a `node:http2`
 * server destroying its session: GOAWAY, then the stream ends without trailers) cuts a response so.
 * A status the engine sent always carries `grpc-status` in the error's metadata.
 */
function isResponseCutShort(error: ConnectError): boolean {
  return error.code === Code.InvalidArgument && !error.metadata.has("grpc-status");
}

/**
 * gRPC statuses after which a retry cannot succeed without a change on the
 * client's side: the request itself is wrong, or not allowed, or the method
 * does not exist. The others (Internal, Unknown, ResourceExhausted,
 * NotFound…) may heal, like an HTTP 5xx.
 */
export const PERMANENT_GRPC_CODES: ReadonlySet<Code> = new Set([
  Code.InvalidArgument,
  Code.FailedPrecondition,
  Code.OutOfRange,
  Code.PermissionDenied,
  Code.Unauthenticated,
  Code.Unimplemented,
]);
