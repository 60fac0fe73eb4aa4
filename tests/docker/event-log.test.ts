/**
 * `DockerClient.eventLog` against podman's ways of answering a log read. The
 * client asks with `stream=false`, and podman ends the response when its log is
 * sent — however long it stalls before the newest events under load. A podman
 * that holds the response open past `until` anyway (its file logger without
 * `stream=false`, until a later event) has the read ended by the client once
 * `until` is past, but not while the log is still arriving: a podman that is
 * slow to stream a long log (a loaded machine) must not lose its newest events,
 * which come last. podman's file logger stops reading at `until`, so it is
 * asked for a later one and what it logged after the read began is dropped.
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

/** A podman on a unix socket whose event log read is answered by `answer`. */
async function fakePodman(socket: string, answer: (res: import("node:http").ServerResponse) => void) {
  return await httpServer(socket, (req, res) => {
    const headers = { "Api-Version": "1.41", "Libpod-Api-Version": "4.3.1", "Server": "Libpod/4.3.1 (linux)" };
    if (req.url?.endsWith("/_ping")) {
      res.writeHead(200, { ...headers, "Content-Type": "text/plain" });
      res.end("OK");
      return;
    }
    assert.match(req.url ?? "", /\/events\?since=.*&until=\d+&stream=false&/);
    res.writeHead(200, { ...headers, "Content-Type": "application/json" });
    answer(res);
  });
}

describe("DockerClient.eventLog on podman", () => {
  it("asks for the log without streaming and reads it to podman's end, however long podman takes to start it", async () => {
    const dir = makeTempDir();
    const socket = join(dir.path, "podman.sock");
    const started = Date.now() - 60_000;
    // 8 s without an event (a loaded podman reading a long events file from its start), two events, a 2.5 s
    // stall, the newest event, the end.
    const server = await fakePodman(socket, (res) => {
      let timer = setTimeout(() => {
        res.write(loggedStart("c0", started) + loggedStart("c1", started + 1_000));
        timer = setTimeout(() => res.end(loggedStart("c2", started + 2_000)), 2_500);
      }, 8_000);
      res.on("close", () => clearTimeout(timer));
    });
    const client = new DockerClient({ env: {}, host: `unix://${socket}` });
    try {
      const logged = await within("the event log read", client.eventLog(started - 1_000), 30_000);
      assert.deepEqual(logged.map((l) => l.event.id), ["c0", "c1", "c2"]);
    } finally {
      await client.close();
      await server.close();
      dir.remove();
    }
  });


  it("asks podman for a later until, as its file logger stops reading at until, and drops what it logged after now", async () => {
    const dir = makeTempDir();
    const socket = join(dir.path, "podman.sock");
    const started = Date.now() - 60_000;
    let asked = 0;
    // Like podman 4.3's file logger: it reaches the end of its file 1.5 s after the request (a loaded machine),
    // and what it has not read by `until` it never sends. It has logged an event after the read began.
    const server = await fakePodman(socket, (res) => {
      asked = Date.now();
      const until = Number(/until=(\d+)/.exec(res.req.url ?? "")![1]) * 1000;
      const timer = setTimeout(() => {
        if (Date.now() >= until) res.end();
        else res.end(loggedStart("c0", started) + loggedStart("c1", started + 1_000) + loggedStart("later", asked + 1_000));
      }, 1_500);
      res.on("close", () => clearTimeout(timer));
    });
    const client = new DockerClient({ env: {}, host: `unix://${socket}` });
    try {
      const logged = await within("the event log read", client.eventLog(started - 1_000), 30_000);
      assert.deepEqual(logged.map((l) => l.event.id), ["c0", "c1"]);
    } finally {
      await client.close();
      await server.close();
      dir.remove();
    }
  });

  it("reads a log that a podman holding the response streams slowly past until to its end, then ends the held response itself", async () => {
    const dir = makeTempDir();
    const socket = join(dir.path, "podman.sock");
    const ids = Array.from({ length: 10 }, (_, i) => `c${i}`);
    const started = Date.now() - 60_000;
    const server = await fakePodman(socket, (res) => {
      // One event every 700 ms for 7 s, then held open: the read ends itself 30 s (the grace) after the last.
      let next = 0;
      const timer = setInterval(() => {
        if (next < ids.length) res.write(loggedStart(ids[next]!, started + next * 1_000));
        next++;
      }, 700);
      res.on("close", () => clearInterval(timer));
    });
    const client = new DockerClient({ env: {}, host: `unix://${socket}` });
    try {
      // 7 s of events, then the 30 s grace after the last
      const logged = await within("the event log read", client.eventLog(started - 1_000), 60_000);
      assert.deepEqual(logged.map((l) => [l.event.type, l.event.id]), ids.map((id) => ["started", id]));
    } finally {
      await client.close();
      await server.close();
      dir.remove();
    }
  });
});
