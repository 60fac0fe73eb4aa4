/**
 * gRPC over a unix socket (see `grpc/transport.ts`), with its structured
 * failure classification (`grpc/errors.ts`). One entry point for engine
 * clients.
 *
 * @module
 */

export {
  createUnixGrpcTransport,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_PING_INTERVAL_MS,
  DEFAULT_PING_TIMEOUT_MS,
  DEFAULT_READ_MAX_BYTES,
  DEFAULT_REQUEST_TIMEOUT_MS,
  type UnixGrpcTransport,
  type UnixGrpcTransportOptions,
} from "./grpc/transport.ts";
export { classifyGrpcError, PERMANENT_GRPC_CODES, socketDenoFlags } from "./grpc/errors.ts";
export { type TransportFailure, TransportError } from "./failure.ts";
