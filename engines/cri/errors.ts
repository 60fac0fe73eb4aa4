/**
 * The CRI runtime's wording of what went wrong: turns the gRPC transport's
 * structured failures and the runtime's gRPC statuses into typed engine
 * errors with a message and a hint.
 *
 * @module
 */

import { Code, type ConnectError } from "@connectrpc/connect";
import {
  EngineApiError,
  type EngineError,
  EnginePermissionError,
  EngineProtocolError,
  EngineUnavailableError,
} from "../../lib/errors.ts";
import { classifyGrpcError, PERMANENT_GRPC_CODES, TransportError } from "../../lib/transport/grpc.ts";

/**
 * Turns any error of a CRI call at `socket` into a typed error naming the
 * socket; gRPC statuses become {@linkcode EngineApiError} with the code
 * number. Call it only when the caller did not cancel on purpose.
 */
export function criError(error: unknown, socket: string): EngineError {
  const classified = classifyGrpcError(error, socket);
  if (classified instanceof TransportError) return wordFailure(classified, socket);
  if (!(classified instanceof Error) || !("rawMessage" in classified)) return classified;
  const status = classified as ConnectError;
  return new EngineApiError(`the CRI runtime at ${socket}: ${Code[status.code]}: ${status.rawMessage}`, {
    endpoint: socket,
    status: status.code,
    cause: error,
    retryable: !PERMANENT_GRPC_CODES.has(status.code),
  });
}

function wordFailure(failure: TransportError, socket: string): EngineError {
  const options = { endpoint: socket, cause: failure, retryable: failure.retryable };
  switch (failure.failure) {
    case "unavailable":
      return new EngineUnavailableError(`no CRI runtime at ${socket} (${failure.detail})`, {
        ...options,
        hint: "start the node's runtime (containerd with its CRI plugin, CRI-O) or point the client at its socket",
      });
    case "permission":
      return new EnginePermissionError(`permission denied connecting to the CRI runtime at ${socket} (${failure.detail})`, {
        ...options,
        hint: `run as a user that may open ${socket} (usually root; in a pod: mount the socket writable); ` +
          `under Deno also grant ${failure.denoFlags}`,
      });
    case "denied-by-runtime":
      return new EnginePermissionError(`Deno denied access to the CRI socket ${socket} (${failure.detail})`, {
        ...options,
        hint: `run Deno with ${failure.denoFlags}`,
      });
    case "protocol":
    case "tls":
      return new EngineProtocolError(`${socket} does not speak gRPC over HTTP/2 as a CRI runtime does (${failure.detail})`, {
        ...options,
        hint: `check that ${socket} is the runtime's CRI socket (a Docker or podman API socket speaks HTTP/1.1)`,
      });
    case "timeout":
      return new EngineProtocolError(`the CRI runtime at ${socket} did not answer in time (${failure.detail})`, {
        ...options,
        hint: "check that the runtime is not stuck",
      });
    case "broken":
      return new EngineUnavailableError(`lost connection to the CRI runtime at ${socket} (${failure.detail})`, {
        ...options,
        hint: "the runtime may be restarting; the watcher reconnects",
      });
  }
}
