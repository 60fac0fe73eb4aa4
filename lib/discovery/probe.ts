/**
 * Probing one candidate endpoint: is there a socket file, may we open it,
 * does an engine of the kind answer (ID and version), within a short time.
 * The answer is a {@linkcode CandidateOutcome}-like result, never a throw,
 * except when the caller's signal aborts.
 *
 * @module
 */

import { stat } from "node:fs/promises";
import { linkSignals } from "../async/signals.ts";
import { EnginePermissionError, EngineProtocolError, EngineUnavailableError } from "../errors.ts";
import { mayReadFile } from "../permissions.ts";
import type { DiscoverableKind } from "./types.ts";

/** The identity of a socket file: `<device>:<inode>`, the same through every symlink to it. */
export type SocketFileKey = string;

/** What a probe learnt. */
export type ProbeResult =
  | {
    readonly status: "found";
    readonly type: string;
    readonly version: string;
    readonly id: string;
    /** The engine's PID as its client knows it, 0 when it does not. */
    readonly pid: number;
    /** The socket file's identity, "" when not a unix socket or not stat-able. */
    readonly socketFile: SocketFileKey;
  }
  | { readonly status: "not-found" | "permission-denied" | "wrong-protocol" | "failed"; readonly error: Error };

/**
 * The identity of the socket file at `path` (following symlinks), or the
 * probe result that makes probing pointless (no such file, not a socket,
 * not permitted). "" when it cannot be told (Deno without read permission:
 * the probe's own error then says what to grant).
 */
export async function socketFile(path: string): Promise<SocketFileKey | ProbeResult> {
  if (!mayReadFile(path)) return "";
  try {
    const info = await stat(path);
    if (!info.isSocket()) return { status: "wrong-protocol", error: new Error(`${path} is not a socket`) };
    return `${info.dev}:${info.ino}`;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "ENOENT" || code === "ENOTDIR") return { status: "not-found", error: new Error(`no socket at ${path}`, { cause: error }) };
    if (code === "EACCES" || code === "EPERM") {
      return { status: "permission-denied", error: new Error(`may not look up ${path}`, { cause: error }) };
    }
    return { status: "failed", error: error as Error };
  }
}

/**
 * Probes `endpoint` as `kind` within `timeoutMs`: asks the engine's ID and
 * version, then closes the client. `file` is the endpoint's socket file
 * ({@linkcode socketFile}), reported back. Rejects only when `signal` aborts.
 */
export async function probe(
  kind: DiscoverableKind,
  endpoint: string,
  file: SocketFileKey,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<ProbeResult> {
  const link = linkSignals(signal);
  const timeout = new Error(`no answer within ${timeoutMs} ms`);
  const timer = setTimeout(() => link.abort(timeout), timeoutMs);
  let client;
  try {
    client = kind.create(endpoint);
    // Version first: it tells the engine type (podman), on which the meaning of the ID depends.
    const version = await client.version(link.signal);
    const id = await client.id(link.signal);
    return { status: "found", type: client.type, version, id, pid: client.pid, socketFile: file };
  } catch (error) {
    signal?.throwIfAborted();
    if (link.signal.aborted) return { status: "failed", error: timeout };
    return { status: statusOf(error), error: error instanceof Error ? error : new Error(String(error)) };
  } finally {
    clearTimeout(timer);
    link.dispose();
    await client?.close();
  }
}

function statusOf(error: unknown): "not-found" | "permission-denied" | "wrong-protocol" | "failed" {
  if (error instanceof EngineUnavailableError) return "not-found";
  if (error instanceof EnginePermissionError) return "permission-denied";
  if (error instanceof EngineProtocolError) return "wrong-protocol";
  return "failed";
}
