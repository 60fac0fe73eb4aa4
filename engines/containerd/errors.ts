/**
 * containerd's wording of what went wrong: turns the gRPC transport's
 * structured failures and containerd's gRPC statuses into typed engine
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
 * Turns any error of a call to containerd at `socket` into a typed error
 * naming the socket: connection failures become
 * {@linkcode EngineUnavailableError}, {@linkcode EnginePermissionError} or
 * {@linkcode EngineProtocolError}; gRPC statuses from containerd become
 * {@linkcode EngineApiError} carrying the gRPC code number. `retryable` says
 * whether the failure may heal.
 *
 * Call it only when the caller did not cancel on purpose: a user abort and a
 * dropped connection both surface as `Canceled` in Connect.
 */
export function containerdError(error: unknown, socket: string): EngineError {
  const classified = classifyGrpcError(error, socket);
  if (classified instanceof TransportError) return wordFailure(classified, socket);
  if (!(classified instanceof Error) || !("rawMessage" in classified)) return classified;
  const status = classified as ConnectError;
  return new EngineApiError(`containerd at ${socket}: ${Code[status.code]}: ${status.rawMessage}`, {
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
      return new EngineUnavailableError(`no containerd at ${socket} (${failure.detail})`, {
        ...options,
        hint: "start containerd or point the client at its socket",
      });
    case "permission":
      return new EnginePermissionError(`permission denied connecting to containerd at ${socket} (${failure.detail})`, {
        ...options,
        hint: `run as a user that may open ${socket} (often root); under Deno also grant ${failure.denoFlags}`,
      });
    case "denied-by-runtime":
      return new EnginePermissionError(`Deno denied access to containerd's socket ${socket} (${failure.detail})`, {
        ...options,
        hint: `run Deno with ${failure.denoFlags}`,
      });
    case "protocol":
    case "tls":
      return new EngineProtocolError(`${socket} does not speak gRPC over HTTP/2 as containerd does (${failure.detail})`, {
        ...options,
        hint: `check that ${socket} is containerd's gRPC socket (a Docker or podman API socket speaks HTTP/1.1)`,
      });
    case "timeout":
      return new EngineProtocolError(`containerd at ${socket} did not answer in time (${failure.detail})`, {
        ...options,
        hint: `check that ${socket} is containerd's gRPC socket and that containerd is not stuck`,
      });
    case "broken":
      return new EngineUnavailableError(`lost connection to containerd at ${socket} (${failure.detail})`, {
        ...options,
        hint: "containerd may be restarting; the watcher reconnects",
      });
  }
}
