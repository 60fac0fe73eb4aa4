import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { newContainer } from "../../lib/model/container.ts";
import { groupByProject, humanDuration, renderPicture, shortEngineId, shortId } from "../../cli/text.ts";
import { EventColumns, eventTime } from "../../cli/event-text.ts";
import { newDetails } from "../../lib/model/details.ts";
import { fit } from "../../cli/style.ts";
import type { TextStyle } from "../../cli/style.ts";
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
  kind: "docker",
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

  it("prints a short header, column headings and aligned rows with short ID, PID and state", () => {
    assert.equal(
      renderPicture([engine], { color: false }),
      [
        "docker.com 20.10.24  ID ENGINE-ID  API unix:///var/run/docker.sock",
        "    NAME      ID             PID  STATE    IMAGE",
        "  backend",
        "    api       cccccccccccc    33  running",
        "  shop",
        "    database  bbbbbbbbbbbb  2002  paused",
        "    web       aaaaaaaaaaaa   101  running",
        "  (standalone)",
        "    lonely    dddddddddddd     4  running",
        "",
      ].join("\n"),
    );
  });

  it("shows image and uptime where the engine told them, full IDs with noTrunc", () => {
    const now = new Date("2026-01-02T03:10:00Z");
    const rucksack = newDetails({ image: "nginx:1.27", started: "2026-01-02T03:05:00Z" });
    const c = newContainer({ id: ID("e"), name: "front", pid: 7, rucksack });
    const snap: EngineSnapshot = { ...engine, id: "ETN3:T7WH:BI3K:HPLD:C674:KCPH", containers: [c] };
    assert.equal(
      renderPicture([snap], { color: false, now }),
      "docker.com 20.10.24  ID ETN3:T7WH:BI3K  API unix:///var/run/docker.sock\n" +
        "    NAME   ID            PID  STATE                  IMAGE\n" +
        "  (standalone)\n" +
        "    front  eeeeeeeeeeee    7  running, up 5 minutes  nginx:1.27\n",
    );
    const full = renderPicture([snap], { color: false, now, noTrunc: true });
    assert.match(full, new RegExp(`ID ETN3:T7WH:BI3K:HPLD:C674:KCPH `));
    assert.match(full, new RegExp(`front  ${ID("e")}`));
  });

  it("fits rows to the terminal width, narrowing IMAGE first", () => {
    const rucksack = newDetails({ image: "registry.example.com/team/very-long-image-name:1.2.3" });
    const c = newContainer({ id: ID("e"), name: "front", pid: 7, rucksack });
    const text = renderPicture([{ ...engine, containers: [c] }], { color: false, width: 50 });
    for (const line of text.trimEnd().split("\n")) assert.ok(line.length <= 50, `${line.length}: ${line}`);
    assert.match(text, /front  eeeeeeeeeeee {4}7  running  registry.e…\n/);
  });

  it("on a narrow terminal the headings narrow with the columns, and every line is cut to the width, colour or not", () => {
    const rucksack = newDetails({ image: "registry.example.com/team/image:1" });
    const c = newContainer({ id: ID("e"), name: "a-rather-long-container-name", pid: 7, rucksack });
    for (const color of [false, true]) {
      const text = renderPicture([{ ...engine, containers: [c] }], { color, width: 40 });
      const lines = text.trimEnd().split("\n").map((l) => l.replace(/\x1b\[[0-9;]*m/g, ""));
      for (const line of lines) assert.ok(line.length <= 40, `${line.length}: ${line}`);
      assert.match(lines[1]!, /^ {4}NAME +ID +PID +S/, "the headings row, narrowed");
      assert.ok(lines.some((l) => l.endsWith("…")), text);
    }
  });

  it("cuts coloured text by what shows, and resets the colour after the cut", () => {
    assert.equal(fit("\x1b[32mabcdef\x1b[0m gh", 4), "\x1b[32mabc\x1b[0m…\x1b[0m");
    assert.equal(fit("\x1b[32mab\x1b[0m", 4), "\x1b[32mab\x1b[0m");
    assert.equal(fit("abcdef", 4), "abc…");
  });

  it("does not repeat a name that is the ID, and keeps a namespace in short IDs", () => {
    const c = newContainer({ id: "cu-ctd", pid: 9 });
    assert.match(renderPicture([{ ...engine, containers: [c] }], { color: false }), /\n    cu-ctd {8}9  running\n/);
    assert.equal(shortId(`k8s.io/${ID("f")}`), "k8s.io/ffffffffffff");
    assert.equal(shortEngineId("562359d7-53a9-447c-ba8f-3f3ae2873fd1"), "562359d7-53a9");
  });

  it("says uptimes in words, singular and plural", () => {
    assert.deepEqual([0, 1000, 59_000, 60_000, 7_200_000, 3 * 86_400_000].map(humanDuration),
      ["0 seconds", "1 second", "59 seconds", "1 minute", "2 hours", "3 days"]);
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
});

describe("watch lines", () => {
  const plain: TextStyle = { color: false };
  const time = new Date("2026-01-02T03:04:05.678Z");

  it("line up across engines and events: time, engine, event, project, name, ID, PID, exit", () => {
    const columns = new EventColumns(["docker.com", "containerd.io"], [web, db]);
    assert.equal(
      columns.line({ type: "paused", container: db, time, engine: DOCKER }, plain) +
        columns.line({ type: "exited", container: lone, time, engine: PODMAN, exit: { code: 137, oom: true } }, plain) +
        columns.line({ type: "exited", container: lone, time, engine: PODMAN, exit: {} }, plain),
      [
        "2026-01-02T03:04:05.678Z  docker.com     paused    shop  database  bbbbbbbbbbbb  2002",
        "2026-01-02T03:04:05.678Z  podman.io      exited    -     lonely    dddddddddddd     4  exit 137 (oom)",
        "2026-01-02T03:04:05.678Z  podman.io      exited    -     lonely    dddddddddddd     4  exit ?",
        "",
      ].join("\n"),
    );
    assert.match(
      columns.line({ type: "exited", container: lone, time, engine: PODMAN, exit: { code: 3 } }, { color: true }),
      /\x1b\[31mexit 3\x1b\[0m/,
    );
  });

  it("fit the terminal width, coloured as well as plain", () => {
    const columns = new EventColumns(["docker.com"], [db]);
    for (const color of [false, true]) {
      const line = columns.line({ type: "exited", container: db, time, engine: DOCKER, exit: { code: 137 } }, { color, width: 60 });
      const shown = line.replace(/\x1b\[[0-9;]*m/g, "").trimEnd();
      assert.equal(shown.length, 60, shown);
      assert.ok(shown.endsWith("…"), shown);
    }
  });

  it("show a replayed event's container that is gone (PID 0) with PID -", () => {
    const gone = { ...lone, pid: 0 };
    assert.match(new EventColumns().line({ type: "exited", container: gone, time, engine: DOCKER, exit: { code: 3 } }, plain), /dddddddddddd  -  exit 3\n$/);
  });

  it("shows local time with its offset when asked, ISO UTC otherwise", () => {
    assert.equal(eventTime(time, false), "2026-01-02T03:04:05.678Z");
    const local = eventTime(time, true);
    assert.match(local, /^2026-01-0[12]T\d\d:\d\d:05\.678(Z|[+-]\d\d:\d\d)$/);
    const offset = -time.getTimezoneOffset();
    if (offset !== 0) assert.notEqual(local, eventTime(time, false));
  });
});

describe("JSON rendering", () => {
  it("is exactly the documented document, containers in the text's order (standalone last)", () => {
    const doc = JSON.parse(renderPictureJson([engine]));
    assert.deepEqual(doc, {
      engines: [{
        type: "docker.com",
        api: "unix:///var/run/docker.sock",
        id: "ENGINE-ID",
        version: "20.10.24",
        containers: [
          { id: ID("c"), name: "api", pid: 33, paused: false, project: "backend", labels: {} },
          { id: ID("b"), name: "database", pid: 2002, paused: true, project: "shop", labels: {} },
          { id: ID("a"), name: "web", pid: 101, paused: false, project: "shop", labels: { "com.docker.compose.project": "shop" } },
          { id: ID("d"), name: "lonely", pid: 4, paused: false, project: "", labels: {} },
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

  it("says nothing of Deno's -P set under Deno when no permission was in the way (a missing socket)", () => {
    const text = renderFailures([failures[1]!], "deno");
    assert.match(text, /the containerd engine is not reachable/);
    assert.doesNotMatch(text, /Deno|-P/);
  });

  it("shows the type of an untyped error", () => {
    const text = renderFailures([{ engine: "docker", endpoint: "x", error: new TypeError("bad host") }], "bun");
    assert.match(text, /docker at x: TypeError: bad host/);
  });
});
