/**
 * Docker's (and podman's) wording of what went wrong: turns the HTTP
 * transport's structured failures into typed engine errors with a message
 * and a hint that name the Docker API, `DOCKER_HOST` and the sockets of
 * Docker and podman.
 *
 * @module
 */

import {
  type EngineError,
  EnginePermissionError,
  EngineProtocolError,
  EngineUnavailableError,
} from "../../lib/errors.ts";
import { formatEndpoint, type HttpEndpoint, TransportError } from "../../lib/transport/http.ts";

/**
 * Which engine the user expects at a Docker-API endpoint: Docker (the
 * default), or podman when the client was made for podman (its `type`
 * option, as `--engine podman` sets it), so that "no podman engine" and
 * podman's sockets are named instead of Docker's.
 */
export type DockerFlavour = "Docker" | "podman";

/** The hint for a unix socket where no engine answers, per flavour. */
const UNIX_UNAVAILABLE_HINT: Record<DockerFlavour, string> = {
  Docker: "is the engine running? Check the socket path (rootless Docker: $XDG_RUNTIME_DIR/docker.sock, " +
    "podman: $XDG_RUNTIME_DIR/podman/podman.sock or /run/podman/podman.sock) and DOCKER_HOST",
  podman: "is podman's API service running (rootless: systemctl --user start podman.socket)? Check the socket path " +
    "(rootless podman: $XDG_RUNTIME_DIR/podman/podman.sock, rootful: /run/podman/podman.sock)",
};

/**
 * Words `error` for a Docker-API endpoint when it is a transport failure
 * (anything else is returned as it is). `source` says where the address came
 * from (`DOCKER_HOST`, a context, the default…) and ends the "no engine"
 * message, since a wrong source is the usual reason.
 */
export function dockerError(error: unknown, endpoint: HttpEndpoint, source: string, flavour: DockerFlavour = "Docker"): unknown {
  if (!(error instanceof TransportError)) return error;
  return wordFailure(error, endpoint, source, flavour);
}

function wordFailure(failure: TransportError, endpoint: HttpEndpoint, source: string, flavour: DockerFlavour): EngineError {
  const where = formatEndpoint(endpoint);
  const { detail } = failure;
  const options = { endpoint: where, cause: failure, retryable: failure.retryable };
  const tls = endpoint.kind === "tcp" && endpoint.tls !== undefined;
  switch (failure.failure) {
    case "unavailable":
      return new EngineUnavailableError(`no ${flavour} engine at ${where} (${detail}); address from ${source}`, {
        ...options,
        hint: endpoint.kind === "unix"
          ? UNIX_UNAVAILABLE_HINT[flavour]
          : `is the engine running and listening on this address? Check ${flavour === "podman" ? "the address" : "DOCKER_HOST"} and firewalls`,
      });
    case "permission":
      return new EnginePermissionError(`permission denied connecting to ${where} (${detail})`, {
        ...options,
        hint: endpoint.kind === "unix"
          ? "add your user to the socket's group (usually `docker`: sudo usermod -aG docker $USER, then log in again), " +
            `or use the rootless engine's socket; under Deno also grant ${failure.denoFlags}`
          : "check the engine's access rules for this address",
      });
    case "denied-by-runtime":
      return new EnginePermissionError(`Deno denied access to ${where} (${detail})`, {
        ...options,
        hint: `run Deno with ${failure.denoFlags}`,
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
        hint: tls
          ? "does this address serve the engine API over HTTPS, and does the server accept the client certificate " +
            "(DOCKER_CERT_PATH/cert.pem, key.pem)?"
          : "is this the engine's HTTP API socket? containerd's socket speaks gRPC, not the Docker API",
      });
    case "timeout":
      return new EngineProtocolError(`no HTTP response from ${where} in time (${detail})`, {
        ...options,
        hint: "the peer accepted the connection but sent nothing: is this the engine's HTTP API socket, " +
          "and is the engine not stuck?",
      });
    case "broken":
      if (failure.phase === "body") {
        // Kept an EngineProtocolError (the data is incomplete), but retryable: the stream had worked.
        return new EngineProtocolError(`the response from ${where} broke off (${detail})`, {
          ...options,
          hint: "the engine may have stopped or restarted, or a proxy cut the connection",
        });
      }
      return new EngineUnavailableError(`the connection to ${where} broke before an answer (${detail})`, {
        ...options,
        hint: tls
          ? "the engine may be restarting or a proxy cut the connection; a TLS server that wants a client " +
            "certificate (DOCKER_CERT_PATH/cert.pem, key.pem) also hangs up like this"
          : "the engine may be restarting, or a proxy accepted the connection and cut it",
      });
  }
}
