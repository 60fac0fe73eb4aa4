/**
 * The host layout the well-known places are derived from: the per-user
 * runtime directories (`/run/user/<uid>` for every uid there, and
 * `$XDG_RUNTIME_DIR`) and the user's home. Read without permission prompts:
 * what may not be read is left out with a note.
 *
 * @module
 */

import { readdir } from "node:fs/promises";
import { mayReadEnv, mayReadFile } from "../permissions.ts";
import type { HostPlaces } from "./types.ts";

/** Where per-user runtime directories live. */
export const DEFAULT_USER_RUNTIME_ROOT = "/run/user";

/** The host places, and notes on what could not be looked at. */
export async function hostPlaces(userRuntimeRoot: string): Promise<{ places: HostPlaces; notes: string[] }> {
  const notes: string[] = [];
  const dirs: string[] = [];
  if (mayReadFile(userRuntimeRoot)) {
    try {
      const uids = (await readdir(userRuntimeRoot)).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(a) - Number(b));
      dirs.push(...uids.map((uid) => `${userRuntimeRoot}/${uid}`));
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code !== "ENOENT") notes.push(`${userRuntimeRoot} could not be listed (${code ?? (error as Error).message}): per-user places of other users were not tried`);
    }
  } else {
    notes.push(`${userRuntimeRoot} may not be read (no read permission): per-user places of other users were not tried`);
  }
  const runtimeDir = readEnv("XDG_RUNTIME_DIR");
  if (runtimeDir && !dirs.includes(runtimeDir)) dirs.push(runtimeDir);
  return { places: { userRuntimeDirs: dirs, home: readEnv("HOME") ?? "" }, notes };
}

function readEnv(name: string): string | undefined {
  if (!mayReadEnv(name)) return undefined;
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name] || undefined;
}
