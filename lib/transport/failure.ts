/**
 * What the transports (HTTP and gRPC) report when a request fails: a
 * structured failure — what happened, where, why, and whether it may heal —
 * with an engine-neutral message. Each engine client turns it into its own
 * wording and hint; nothing ever takes a message apart again.
 *
 * @module
 */

import { EngineError } from "../errors.ts";

/**
 * What went wrong, as far as the runtime's errors tell:
 *
 * - `unavailable`: nothing listens (socket missing, refused, unreachable); heals when the engine starts.
 * - `permission`: the OS refused access to the socket (EACCES, EPERM).
 * - `denied-by-runtime`: the runtime's own permission system refused it (Deno's `NotCapable`).
 * - `tls`: the TLS handshake failed (unknown CA, wrong host name, client certificate refused).
 * - `protocol`: the peer sent bytes that are not the expected protocol at first contact.
 * - `broken`: a connection that was accepted broke (reset, EPIPE, closed without a byte, a body
 *   that broke off or turned to garbage midway); heals with a new connection.
 * - `timeout`: the peer accepted the connection but did not answer in time.
 */
export type TransportFailure =
  | "unavailable"
  | "permission"
  | "denied-by-runtime"
  | "tls"
  | "protocol"
  | "broken"
  | "timeout";

/** Whether each kind of failure may heal by retrying later. */
export const RETRYABLE_FAILURES: Readonly<Record<TransportFailure, boolean>> = {
  unavailable: true,
  permission: false,
  "denied-by-runtime": false,
  tls: false,
  protocol: false,
  broken: true,
  timeout: true,
};

/** The fields of a {@linkcode TransportError}. */
export interface TransportErrorInit {
  /** What went wrong. */
  failure: TransportFailure;
  /** The endpoint, formatted as users see it (`unix:///…`, `tcp://…`, a socket path). */
  endpoint: string;
  /** The runtime's own description of the failure (its innermost message and code). */
  detail: string;
  /** The runtime's error. */
  cause?: unknown;
  /** Whether it failed before the response (default) or while its body was read. */
  phase?: "request" | "body";
  /**
   * Deno flags that grant access to the endpoint (for `permission` and
   * `denied-by-runtime`), e.g. `--allow-read=P --allow-write=P --allow-net=unix:P`.
   */
  denoFlags?: string;
}

/**
 * A failed request, structured. Engine clients catch it and raise their own
 * wording; should one leak, it is still an {@linkcode EngineError} with the
 * right `retryable`, so the watcher treats it correctly.
 */
export class TransportError extends EngineError {
  /** What went wrong. */
  readonly failure: TransportFailure;
  /** The runtime's own description of the failure. */
  readonly detail: string;
  /** Whether it failed before the response or while its body was read. */
  readonly phase: "request" | "body";
  /** Deno flags that grant access to the endpoint ("" where none apply). */
  readonly denoFlags: string;

  /** Creates the error; `retryable` follows from the kind of failure. */
  constructor(init: TransportErrorInit) {
    const words = init.phase === "body" ? "the response broke off from" : FAILURE_WORDS[init.failure];
    super(`${words} ${init.endpoint} (${init.detail})`, {
      endpoint: init.endpoint,
      cause: init.cause,
      retryable: RETRYABLE_FAILURES[init.failure],
    });
    this.failure = init.failure;
    this.detail = init.detail;
    this.phase = init.phase ?? "request";
    this.denoFlags = init.denoFlags ?? "";
  }
}

const FAILURE_WORDS: Record<TransportFailure, string> = {
  unavailable: "nothing listens at",
  permission: "permission denied connecting to",
  "denied-by-runtime": "the runtime denied access to",
  tls: "TLS failed with",
  protocol: "another protocol is spoken at",
  broken: "the connection broke to",
  timeout: "no answer in time from",
};

/** The most specific message in an error's cause chain, with its code where the message lacks it. */
export function describeCause(error: unknown): string {
  let innermost: unknown = error;
  const seen = new Set<unknown>();
  for (let depth = 0; depth < 8; depth++) {
    seen.add(innermost);
    const cause = (innermost as { cause?: unknown } | null)?.cause;
    if (cause === undefined || cause === null || seen.has(cause)) break;
    innermost = cause;
  }
  if (innermost instanceof Error || (typeof innermost === "object" && innermost !== null && "message" in innermost)) {
    const { code, message } = innermost as { code?: unknown; message?: unknown };
    const text = String(message);
    return typeof code === "string" && !text.includes(code) ? `${code}: ${text}` : text;
  }
  return String(innermost);
}
