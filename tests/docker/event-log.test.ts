/**
 * `DockerClient.eventLog` against podman's way of answering a log read: it
 * holds the response open past `until` (its file logger, until a later event),
 * so the client ends the read itself once `until` is past — but not while the
 * log is still arriving: a podman that is slow to stream a long log (a loaded
 * machine) must not lose its newest events, which come last.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { DockerClient } from "../../engines/docker/client.ts";
import { within } from "../support/bounded.ts";
import { httpServer, makeTempDir } from "../support/unix-server.ts";

/** One logged container start, podman-style (`time` in seconds, `timeNano`). */
function loggedStart(id: string, timeMs: number): string {
  return `${JSON.stringify({ Type: "container", Action: "start", Actor: { ID: id, Attributes: { name: id } }, time: Math.floor(timeMs / 1000), timeNano: timeMs * 1e6 })}\n`;
}

describe("DockerClient.eventLog on podman", () => {
  it("reads a log that podman streams slowly past until to its end, then ends the held response itself", async () => {
    const dir = makeTempDir();
    const socket = join(dir.path, "podman.sock");
    const ids = Array.from({ length: 8 }, (_, i) => `c${i}`);
    const started = Date.now() - 60_000;
    const server = await httpServer(socket, (req, res) => {
      const headers = { "Api-Version": "1.41", "Libpod-Api-Version": "4.3.1", "Server": "Libpod/4.3.1 (linux)" };
      if (req.url?.endsWith("/_ping")) {
        res.writeHead(200, { ...headers, "Content-Type": "text/plain" });
        res.end("OK");
        return;
      }
      assert.match(req.url ?? "", /\/events\?since=.*&until=/);
      res.writeHead(200, { ...headers, "Content-Type": "application/json" });
      // One event every 400 ms: the last ones arrive well after until + the grace; then held open, as podman does.
      let next = 0;
      const timer = setInterval(() => {
        if (next < ids.length) res.write(loggedStart(ids[next]!, started + next * 1_000));
        next++;
      }, 400);
      res.on("close", () => clearInterval(timer));
    });
    const client = new DockerClient({ env: {}, host: `unix://${socket}` });
    try {
      const logged = await within("the event log read", client.eventLog(started - 1_000));
      assert.deepEqual(logged.map((l) => [l.event.type, l.event.id]), ids.map((id) => ["started", id]));
    } finally {
      await client.close();
      await server.close();
      dir.remove();
    }
  });
});
