/**
 * Run as a child process by `lifecycle.test.ts`, `permission.test.ts` and
 * `idle-timeout.test.ts`: requests `/_ping` from the unix socket given as
 * first argument, optionally leaves an `/endless` stream open or reads a
 * `/quiet` stream to its end, closes the transport and returns. The process
 * must then exit on its own (no handle left open).
 *
 * Usage: child-request.ts SOCKET [ping|ping-and-stream|ping-and-quiet|watch-docker|watch-containerd]
 * The watch modes start a Watcher with the default backoff (retrying forever what may heal) and print
 * `watch <ErrorClass> retryable=<bool> ms=<ms until ready settled>` or `watch ready`.
 * Prints `ok <body>` (and `stream ended` once close() ended a left-open stream) or
 * `error <ErrorClass> <failure> <first message line>` (and `flags <Deno flags>`), then `closed`.
 */
import { createHttpTransport } from "../../lib/transport/http.ts";

const [socket, mode = "ping"] = process.argv.slice(2);
if (socket === undefined) throw new Error("usage: child-request.ts SOCKET [ping|ping-and-stream|ping-and-quiet|watch-…]");
if (mode === "watch-docker" || mode === "watch-containerd") {
  const { Watcher } = await import("../../lib/watcher.ts");
  const engine = mode === "watch-docker"
    ? new (await import("../../engines/docker/mod.ts")).DockerClient({ host: `unix://${socket}`, env: {} })
    : new (await import("../../engines/containerd/mod.ts")).ContainerdClient({ socket });
  const watcher = new Watcher(engine);
  const started = performance.now();
  void watcher.watch();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const outcome = await Promise.race([
    watcher.ready.then(() => "ready", (error: { name?: string; retryable?: boolean }) =>
      `${error.name} retryable=${error.retryable} ms=${Math.round(performance.now() - started)}`),
    new Promise<string>((resolve) => timer = setTimeout(() => resolve("pending after 10 s"), 10_000)),
  ]);
  clearTimeout(timer);
  console.log(`watch ${outcome}`);
  await watcher.close();
  console.log("closed");
} else try {
  const transport = await createHttpTransport({ kind: "unix", path: socket });
  let unread: Promise<unknown> | undefined;
  try {
    const ping = await transport.request("/_ping");
    console.log(`ok ${await ping.text()}`);
    if (mode === "ping-and-stream") {
      const stream = await transport.request("/endless");
      const reader = stream.body!.getReader();
      const first = await reader.read();
      console.log(`stream ${new TextDecoder().decode(first.value).trim()}`);
      // Leave the stream open and unread: close() must end it (a read that never settles keeps the child alive).
      unread = reader.read().then(() => {}, () => {});
    }
    if (mode === "ping-and-quiet") {
      const quiet = await transport.request("/quiet");
      console.log(`quiet ${JSON.stringify(await quiet.text())}`);
    }
  } finally {
    await transport.close();
  }
  if (unread) {
    await unread;
    console.log("stream ended");
  }
} catch (error) {
  const { name, message, failure, denoFlags } = error as Error & { failure?: string; denoFlags?: string };
  console.log(`error ${name} ${failure ?? "-"} ${message.split("\n")[0]}`);
  if (denoFlags) console.log(`flags ${denoFlags}`);
}
console.log("closed");
