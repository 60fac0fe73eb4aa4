/**
 * Where podman serves the Docker API without being told: rootless, the
 * user's `$XDG_RUNTIME_DIR/podman/podman.sock` (what `systemctl --user start
 * podman.socket` creates), rootful `/run/podman/podman.sock`. Apart from the
 * client, so that naming them (the CLI's engine table) does not load the
 * HTTP stack.
 *
 * @module
 */

import { statSync } from "node:fs";
import { mayReadEnv, mayReadFile } from "../../lib/permissions.ts";

/** Rootful podman's API socket. */
export const ROOTFUL_PODMAN_HOST = "unix:///run/podman/podman.sock";

/** The rootless socket, as users know it. */
export const ROOTLESS_PODMAN_SOCKET = "$XDG_RUNTIME_DIR/podman/podman.sock";

/**
 * The rootless podman socket of this user when it exists (and, under Deno,
 * `XDG_RUNTIME_DIR` and the socket may be read without a prompt), else the
 * rootful one.
 *
 * @example
 * ```ts
 * const host = defaultPodmanHost({ XDG_RUNTIME_DIR: "/nonexistent" });
 * // "unix:///run/podman/podman.sock"
 * ```
 */
export function defaultPodmanHost(env: Readonly<Record<string, string | undefined>> = processEnv()): string {
  const dir = env.XDG_RUNTIME_DIR;
  if (dir) {
    const socket = `${dir}/podman/podman.sock`;
    if (mayReadFile(socket)) {
      try {
        if (statSync(socket).isSocket()) return `unix://${socket}`;
      } catch {
        // no rootless podman service for this user
      }
    }
  }
  return ROOTFUL_PODMAN_HOST;
}

function processEnv(): Record<string, string | undefined> {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
  return mayReadEnv("XDG_RUNTIME_DIR") ? { XDG_RUNTIME_DIR: env.XDG_RUNTIME_DIR } : {};
}
