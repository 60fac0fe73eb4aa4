/**
 * What only the transport tests share: how long quiet streams stay quiet,
 * reading a body, and paths of the child scripts beside this file. Servers
 * and children come from tests/support (unix-server.ts, child.ts).
 *
 * @module
 */

import { fileURLToPath } from "node:url";

/** How long test streams stay silent; longer than any idle timeout a short test can beat. */
export const QUIET_MS: number = Number(process.env.WW_TEST_QUIET_MS ?? 2500);

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Reads a whole body as text. */
export async function readText(body: ReadableStream<Uint8Array> | null): Promise<string> {
  if (!body) return "";
  let text = "";
  const decoder = new TextDecoder();
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) text += decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}

/** Path of a file next to this one (the child scripts). */
export function here(name: string): string {
  return fileURLToPath(new URL(name, import.meta.url));
}
