/**
 * Test servers on unix sockets in a temporary directory (node:http and
 * node:net work as servers on Node, Deno and Bun alike), and a way to run a
 * script in a child process of the same runtime.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createNetServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runtime } from "../../lib/runtime.ts";

/** How long test streams stay silent; longer than any idle timeout a short test can beat. */
export const QUIET_MS: number = Number(process.env.WW_TEST_QUIET_MS ?? 2500);

/** A temporary directory, removed by `remove()`. */
export interface TempDir {
  /** Absolute path. */
  path: string;
  /** Deletes the directory and everything in it. */
  remove(): void;
}

/** Creates a temporary directory that other users may enter (for the EACCES test). */
export function makeTempDir(): TempDir {
  const path = mkdtempSync(join(tmpdir(), "ww-transport-"));
  chmodSync(path, 0o755);
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A listening test server and what it saw. */
export interface TestServer {
  /** Socket path or TCP port it listens on. */
  address: string | number;
  /** Connections accepted so far. */
  connections: number;
  /** Stops listening and drops every connection. */
  close(): Promise<void>;
}

type Listenable = {
  listen(target: string | number, host?: string | (() => void), cb?: () => void): unknown;
  on(event: "connection", listener: (socket: Socket) => void): unknown;
  close(cb?: (err?: Error) => void): unknown;
  address(): unknown;
};

/** Starts `server` on `target` (a socket path, or 0 for a loopback TCP port) and tracks its connections. */
export async function listen(server: Listenable, target: string | number): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const state: TestServer = {
    address: target,
    connections: 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  server.on("connection", (socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => {
    if (typeof target === "string") server.listen(target, resolve);
    else server.listen(target, "127.0.0.1", resolve);
  });
  if (typeof target === "number") state.address = (server.address() as { port: number }).port;
  return state;
}

/** Starts a node:http server with the given handler. */
export function httpServer(
  target: string | number,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<TestServer> {
  const server: Server = createHttpServer(handler);
  return listen(server, target);
}

/** Starts a raw node:net server that hands each connection to `onSocket`. */
export function rawServer(target: string, onSocket: (socket: Socket) => void): Promise<TestServer> {
  const server = createNetServer((socket) => {
    socket.on("error", () => {});
    onSocket(socket);
  });
  return listen(server, target);
}

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

/** What a child process did. */
export interface ChildResult {
  /** Exit code, or null when killed. */
  code: number | null;
  /** Whether the child had to be killed because it did not exit in time. */
  timedOut: boolean;
  /** Its standard output. */
  stdout: string;
  /** Its standard error. */
  stderr: string;
}

/** The command that runs a TypeScript file with the current runtime. */
export function runtimeCommand(script: string): string[] {
  switch (runtime) {
    case "node":
      return [process.execPath, "--import", "tsx", script];
    case "deno":
      return [process.execPath, "run", "-A", script];
    case "bun":
      return [process.execPath, script];
  }
}

/** Path of a file next to this one. */
export function here(name: string): string {
  return fileURLToPath(new URL(name, import.meta.url));
}

/**
 * Runs `command` and waits for it to exit by itself; kills it (SIGKILL) after
 * `timeoutMs` and reports `timedOut`.
 */
export function runChild(
  command: string[],
  options: { timeoutMs: number; env?: Record<string, string>; cwd?: string },
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), {
      cwd: options.cwd ?? fileURLToPath(new URL("../..", import.meta.url)),
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, options.timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, timedOut, stdout, stderr });
    });
  });
}
