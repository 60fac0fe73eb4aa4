import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { newContainer } from "../../lib/model/container.ts";
import type { LifecycleEvent } from "../../lib/events.ts";
import { groupByProject, renderEventLine, renderPicture } from "../../cli/text.ts";
import { pictureJson, renderEventJson, renderPictureJson } from "../../cli/json.ts";
import { compareContainers } from "../../cli/snapshot.ts";
import type { EngineSnapshot } from "../../cli/snapshot.ts";
import { EnginePermissionError, EngineUnavailableError } from "../../lib/errors.ts";
import { renderFailures } from "../../cli/failure.ts";

const ID = (c: string): string => c.repeat(64);
const web = newContainer({ id: ID("a"), name: "web", pid: 101, project: "shop", labels: { "com.docker.compose.project": "shop" } });
const db = newContainer({ id: ID("b"), name: "database", pid: 2002, project: "shop", paused: true });
const api = newContainer({ id: ID("c"), name: "api", pid: 33, project: "backend" });
const lone = newContainer({ id: ID("d"), name: "lonely", pid: 4 });
const DOCKER = { type: "docker.com", api: "unix:///var/run/docker.sock", id: "ENGINE-ID" };
const PODMAN = { type: "podman.io", api: "unix:///run/podman/podman.sock", id: "" };
const engine: EngineSnapshot = {
  type: "docker.com",
  api: "unix:///var/run/docker.sock",
  id: "ENGINE-ID",
  version: "20.10.24",
  containers: [lone, web, api, db].sort(compareContainers),
};

describe("text rendering", () => {
  it("groups named projects sorted by name, standalone last", () => {
    assert.deepEqual(groupByProject(engine.containers).map(([p, cs]) => [p, cs.map((c) => c.name)]), [
      ["backend", ["api"]],
      ["shop", ["database", "web"]],
      ["", ["lonely"]],
    ]);
  });

  it("prints a header and aligned rows with short ID, PID and paused", () => {
    assert.equal(
      renderPicture([engine], { color: false }),
      [
        "docker.com 20.10.24  ID ENGINE-ID  API unix:///var/run/docker.sock",
        "  backend",
        "    api       cccccccccccc    33",
        "  shop",
        "    database  bbbbbbbbbbbb  2002  paused",
        "    web       aaaaaaaaaaaa   101",
        "  (standalone)",
        "    lonely    dddddddddddd     4",
        "",
      ].join("\n"),
    );
  });

  it("says so when an engine has no alive containers, and separates engines by a blank line", () => {
    const empty: EngineSnapshot = { ...engine, type: "containerd.io", id: "", containers: [] };
    assert.equal(
      renderPicture([empty, empty], { color: false }),
      "containerd.io 20.10.24  API unix:///var/run/docker.sock\n  (no alive containers)\n\n" +
        "containerd.io 20.10.24  API unix:///var/run/docker.sock\n  (no alive containers)\n",
    );
  });

  it("uses ANSI colour only when asked", () => {
    assert.doesNotMatch(renderPicture([engine], { color: false }), /\x1b\[/);
    assert.match(renderPicture([engine], { color: true }), /\x1b\[33mpaused\x1b\[0m/);
  });

  it("renders one line per event", () => {
    const event: LifecycleEvent = { type: "paused", container: db, time: new Date("2026-01-02T03:04:05.678Z"), engine: DOCKER };
    assert.equal(
      renderEventLine(event, { color: false }),
      "2026-01-02T03:04:05.678Z  docker.com  paused    shop/database  bbbbbbbbbbbb  pid 2002\n",
    );
  });

  it("shows an exit's code and OOM kill where the engine told them", () => {
    const time = new Date("2026-01-02T03:04:05.678Z");
    const exited = (exit: LifecycleEvent["exit"]): string =>
      renderEventLine({ type: "exited", container: lone, time, engine: PODMAN, ...(exit ? { exit } : {}) }, { color: false });
    assert.equal(exited({ code: 137, oom: true, time }), "2026-01-02T03:04:05.678Z  podman.io  exited (137, oom)  lonely  dddddddddddd  pid 4\n");
    assert.equal(exited({ code: 0 }), "2026-01-02T03:04:05.678Z  podman.io  exited (0)  lonely  dddddddddddd  pid 4\n");
    assert.equal(exited({ oom: true }), "2026-01-02T03:04:05.678Z  podman.io  exited (oom)  lonely  dddddddddddd  pid 4\n");
    assert.equal(exited({}), "2026-01-02T03:04:05.678Z  podman.io  exited    lonely  dddddddddddd  pid 4\n");
    assert.equal(exited(undefined), "2026-01-02T03:04:05.678Z  podman.io  exited    lonely  dddddddddddd  pid 4\n");
    assert.match(
      renderEventLine({ type: "exited", container: lone, time, engine: PODMAN, exit: { code: 3 } }, { color: true }),
      /\x1b\[31mexited \(3\)\x1b\[0m/,
    );
  });
});

describe("JSON rendering", () => {
  it("is exactly the documented document, containers sorted by project then name", () => {
    const doc = JSON.parse(renderPictureJson([engine]));
    assert.deepEqual(doc, {
      engines: [{
        type: "docker.com",
        api: "unix:///var/run/docker.sock",
        id: "ENGINE-ID",
        version: "20.10.24",
        containers: [
          { id: ID("d"), name: "lonely", pid: 4, paused: false, project: "", labels: {} },
          { id: ID("c"), name: "api", pid: 33, paused: false, project: "backend", labels: {} },
          { id: ID("b"), name: "database", pid: 2002, paused: true, project: "shop", labels: {} },
          { id: ID("a"), name: "web", pid: 101, paused: false, project: "shop", labels: { "com.docker.compose.project": "shop" } },
        ],
      }],
    });
    assert.deepEqual(JSON.parse(renderPictureJson([engine], true)), pictureJson([engine]));
    assert.equal(renderPictureJson([engine], true).split("\n").length, 2, "compact form is one line");
  });

  it("renders an event as one NDJSON line naming its engine by type, API and ID", () => {
    const time = new Date("2026-01-02T03:04:05.678Z");
    const line = renderEventJson({ type: "started", container: web, time, engine: PODMAN });
    assert.ok(line.endsWith("\n") && !line.slice(0, -1).includes("\n"));
    assert.deepEqual(JSON.parse(line), {
      engine: { type: "podman.io", api: "unix:///run/podman/podman.sock", id: "" },
      type: "started",
      time: "2026-01-02T03:04:05.678Z",
      container: { id: ID("a"), name: "web", pid: 101, paused: false, project: "shop", labels: { "com.docker.compose.project": "shop" } },
    });
  });

  it("renders an exit's details on exited lines, with only the keys the engine told", () => {
    const time = new Date("2026-01-02T03:04:05.678Z");
    const exitedAt = new Date("2026-01-02T03:04:05.000Z");
    const full = JSON.parse(renderEventJson({ type: "exited", container: lone, time, engine: DOCKER, exit: { code: 137, oom: true, time: exitedAt } }));
    assert.deepEqual(full, {
      engine: DOCKER,
      type: "exited",
      time: "2026-01-02T03:04:05.678Z",
      container: { id: ID("d"), name: "lonely", pid: 4, paused: false, project: "", labels: {} },
      exit: { code: 137, oom: true, time: "2026-01-02T03:04:05.000Z" },
    });
    assert.deepEqual(JSON.parse(renderEventJson({ type: "exited", container: lone, time, engine: DOCKER, exit: { code: 0 } })).exit, { code: 0 });
    assert.deepEqual(JSON.parse(renderEventJson({ type: "exited", container: lone, time, engine: DOCKER, exit: {} })).exit, {});
    assert.equal("exit" in JSON.parse(renderEventJson({ type: "paused", container: lone, time, engine: DOCKER })), false);
  });
});

describe("unreachable engine message", () => {
  const failures = [
    {
      engine: "docker" as const,
      endpoint: "unix:///var/run/docker.sock",
      error: new EnginePermissionError("permission denied connecting to unix:///var/run/docker.sock (EACCES)", {
        endpoint: "unix:///var/run/docker.sock",
        retryable: false,
        hint: "add your user to the docker group",
      }),
    },
    {
      engine: "containerd" as const,
      endpoint: "/run/containerd/containerd.sock",
      error: new EngineUnavailableError("no containerd at /run/containerd/containerd.sock", {
        endpoint: "/run/containerd/containerd.sock",
        retryable: true,
      }),
    },
  ];

  it("lists every socket tried, why, the hint and how to fix", () => {
    const text = renderFailures(failures, "node");
    assert.match(text, /no container engine is reachable/);
    assert.match(text, /docker at unix:\/\/\/var\/run\/docker.sock: permission denied .*EACCES/);
    assert.match(text, /\n    hint: add your user to the docker group\n/);
    assert.match(text, /containerd at \/run\/containerd\/containerd.sock: no containerd/);
    assert.match(text, /--docker-host URL \(or DOCKER_HOST\)/);
    assert.doesNotMatch(text, /Deno/);
  });

  it("names the one engine when only one was asked, and gives Deno flags under Deno", () => {
    const text = renderFailures([failures[0]!], "deno");
    assert.match(text, /the docker engine is not reachable/);
    assert.match(text, /--allow-read=SOCK --allow-write=SOCK --allow-net=unix:SOCK,localhost/);
  });

  it("shows the type of an untyped error", () => {
    const text = renderFailures([{ engine: "docker", endpoint: "x", error: new TypeError("bad host") }], "bun");
    assert.match(text, /docker at x: TypeError: bad host/);
  });
});
