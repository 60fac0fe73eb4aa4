/**
 * `--watch` losing its engine, live: the CLI watches the private dockerd
 * through a fault proxy (tests/support/fault-proxy.ts) at a socket of this
 * test's own; the proxy goes away (socket removed), comes back, and the
 * watch goes on. What the user reads on stderr meanwhile is asserted line by
 * line: one `whalewatcher:` prefix, "retry" once per line and counting up,
 * the runtime's text on a `cause:` line and the hint on a line of its own.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { EventJson, PictureJson } from "../../cli/json.ts";
import { dockerEngine, EngineCleanup, runTestContainer, stdoutOf, uniqueName } from "../support/engines.ts";
import { FaultProxy } from "../support/fault-proxy.ts";
import { waitUntil } from "../reliability/support.ts";
import { watchCli } from "./child.ts";

const dockerd = dockerEngine();
const TIMEOUT = 180_000;

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

describe("CLI --watch across a lost engine connection", () => {
  const cleanup = new EngineCleanup();
  const dir = mkdtempSync(join(tmpdir(), "ww-reconnect-"));
  let proxy: FaultProxy | undefined;
  after(async () => {
    await proxy?.close();
    await cleanup.run();
    rmSync(dir, { recursive: true, force: true });
  });

  it("logs each retry with one prefix, the cause and the hint on lines of their own, then goes on", { skip: dockerd.skip, timeout: TIMEOUT }, async () => {
    const socket = join(dir, "docker.sock");
    const api = `unix://${socket}`;
    const name = uniqueName("cli-reconnect");
    proxy = await FaultProxy.start(dockerd.endpoint!, { socketPath: socket });
    const notFound = new RegExp(
      `^whalewatcher: lost ${escape(api)}: no Docker engine at ${escape(api)}: socket not found; address from the host option; retry \\d+ in \\d+ ms$`,
      "gm",
    );
    const end = await watchCli(["--engine", "docker", "--docker-host", api, "--watch", "--json"], async (cli) => {
      const picture = JSON.parse(await cli.nextLine(60_000)) as PictureJson;
      assert.deepEqual(picture.engines.map((e) => e.api), [api]);
      // The engine goes away: the event stream breaks, and the socket is gone for the retries.
      await proxy!.close();
      rmSync(socket, { force: true });
      await waitUntil("two retries that find no socket", () => (cli.stderr().match(notFound) ?? []).length >= 2, 60_000);
      proxy = await FaultProxy.start(dockerd.endpoint!, { socketPath: socket });
      await waitUntil("the watch to reconnect", () => proxy!.connectionWith("/events"), 60_000);
      const id = stdoutOf(await runTestContainer(cleanup, dockerd.endpoint!, name, ["sleep", "300"], { detach: true }), "docker run");
      for (;;) {
        const event = JSON.parse(await cli.nextLine(60_000)) as EventJson;
        if (event.container.id === id) {
          assert.deepEqual([event.type, event.engine.api], ["started", api], "the watch goes on after the reconnect");
          break;
        }
      }
    });

    const lines = end.stderr.trimEnd().split("\n");
    for (const line of lines) {
      assert.match(line, /^(whalewatcher: (?!whalewatcher:)\S|  (cause|hint): \S)/, `one prefix, or an indented cause or hint: ${line}`);
    }
    const losses = lines.map((line, at) => ({ line, at })).filter(({ line }) => line.startsWith("whalewatcher: lost "));
    assert.ok(losses.length >= 3, `the broken stream and at least two retries without a socket:\n${end.stderr}`);
    assert.equal(losses[0]!.at, 0, `the first stderr line is the loss:\n${end.stderr}`);
    for (const [n, { line, at }] of losses.entries()) {
      assert.match(line, new RegExp(`^whalewatcher: lost ${escape(api)}: .*; retry ${n + 1} in \\d+ ms$`), "retries count up from 1");
      assert.equal(line.match(/\bretry\b/g)?.length, 1, `"retry" once: ${line}`);
      assert.doesNotMatch(line, /hint:|cause:|ENOENT|os error|No such file/, `the runtime's text and the hint are not on the main line: ${line}`);
      const next = lines.slice(at + 1, (losses[n + 1]?.at ?? lines.length));
      assert.ok(next.length >= 1 && next.at(-1)!.startsWith("  hint: "), `each loss ends with its hint on a line of its own: ${[line, ...next].join("\n")}`);
      // The watcher retries by itself: a hint telling the user to retry (or resubscribe) would be noise.
      assert.doesNotMatch(next.at(-1)!, /\bretry|resubscribe/i, `the hint names no retry: ${next.at(-1)}`);
    }
    // A retry that finds no socket: exactly the likely cause, the runtime's text and the hint, in that order.
    const missing = losses.filter(({ line }) => new RegExp(notFound.source).test(line));
    assert.ok(missing.length >= 2, end.stderr);
    for (const { at } of missing) {
      assert.match(lines[at + 1]!, /^  cause: .*(ENOENT|os error 2|No such file)/, lines.slice(at, at + 3).join("\n"));
      assert.match(lines[at + 2]!, /^  hint: is the engine running\? Check the socket path \(rootless Docker: .*\) and DOCKER_HOST$/);
    }
  });
});
