import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { newContainer } from "../../lib/model/container.ts";
import { newDetails } from "../../lib/model/details.ts";
import { EngineUnavailableError } from "../../lib/errors.ts";
import { parseArgs } from "../../cli/args.ts";
import { EventPresenter, presentPicture } from "../../cli/present.ts";
import type { EngineSnapshot } from "../../cli/snapshot.ts";
import { logLine } from "../../cli/log.ts";
import { TransportError } from "../../lib/transport/failure.ts";

const ID = (c: string): string => c.repeat(64);
const web = newContainer({
  id: ID("a"),
  name: "web",
  pid: 101,
  project: "shop",
  labels: { tier: "front" },
  rucksack: newDetails({ image: "nginx" }),
});
const db = newContainer({ id: ID("b"), name: "database", pid: 2002, project: "shop", paused: true, labels: { tier: "back" } });
const ctd = newContainer({ id: "job", pid: 5 });
const picture: EngineSnapshot[] = [
  { kind: "docker", type: "podman.io", api: "unix:///p.sock", id: "", version: "4.3.1", containers: [db, web] },
  { kind: "containerd", type: "containerd.io", api: "/c.sock", id: "U", version: "1.6", containers: [ctd] },
];
const plain = { color: false };
const show = (...argv: string[]): string => presentPicture(picture, parseArgs(argv), plain);

describe("filters, -q and --format", () => {
  it("-q prints short IDs (full with --no-trunc) of the filtered containers", () => {
    assert.equal(show("-q"), `${ID("b").slice(0, 12)}\n${ID("a").slice(0, 12)}\njob\n`);
    assert.equal(show("-q", "--no-trunc", "--filter", "state=running", "--filter", "engine=podman"), `${ID("a")}\n`);
  });

  it("ANDs different keys and every label, ORs values of one key", () => {
    assert.equal(show("-q", "--filter", "label=tier"), `${ID("b").slice(0, 12)}\n${ID("a").slice(0, 12)}\n`);
    assert.equal(show("-q", "--filter", "label=tier=front"), `${ID("a").slice(0, 12)}\n`);
    assert.equal(show("-q", "--filter", "label=tier", "--filter", "label=other"), "");
    assert.equal(show("-q", "--filter", "name=data", "--filter", "name=jo"), `${ID("b").slice(0, 12)}\njob\n`);
    assert.equal(show("-q", "--filter", "name=data", "--filter", "state=running"), "");
    assert.equal(show("-q", "--filter", "project=shop", "--filter", "engine=containerd"), "");
  });

  it("drops engines an engine= filter excludes, in text and JSON", () => {
    assert.doesNotMatch(show("--filter", "engine=docker"), /containerd\.io/);
    const doc = JSON.parse(show("--json", "--filter", "engine=containerd.io")) as { engines: Array<{ type: string }> };
    assert.deepEqual(doc.engines.map((e) => e.type), ["containerd.io"]);
  });

  it("--format fills {{.Field}} from the JSON fields, case-insensitively, nested, <no value> when absent", () => {
    assert.equal(
      show("--format", "{{.Name}}\\t{{.engine.Type}} {{.Labels.tier}} {{.IMAGE}} {{.nope}}", "--filter", "project=shop"),
      "database\tpodman.io back <no value> <no value>\nweb\tpodman.io front nginx <no value>\n",
    );
    assert.equal(show("--format", "{{.Labels}}", "--filter", "name=web"), `{"tier":"front"}\n`);
  });

  it("applies filters and formats to watch events", () => {
    const presenter = new EventPresenter(picture, parseArgs(["--filter", "label=tier=front", "--format", "{{.Type}} {{.Container.Name}}"]), plain);
    const time = new Date("2026-01-02T03:04:05Z");
    const engine = { type: "podman.io", api: "unix:///p.sock", id: "" };
    assert.equal(presenter.present({ type: "paused", container: db, time, engine }, "docker"), "");
    assert.equal(presenter.present({ type: "started", container: web, time, engine }, "docker"), "started web\n");
    const json = new EventPresenter(picture, parseArgs(["--json"]), plain).present({ type: "started", container: web, time, engine }, "docker");
    assert.deepEqual(JSON.parse(json).engine, engine, "every NDJSON event names the engine's type, api and id");
  });
});

describe("watch lines", () => {
  it("line up with the filtered picture: containers a filter hides do not widen the columns", () => {
    const long = newContainer({ id: ID("c"), name: "a-very-long-container-name", pid: 1234567, project: "a-long-project-name" });
    const wide: EngineSnapshot[] = [{ ...picture[0]!, containers: [db, web, long] }];
    const time = new Date("2026-01-02T03:04:05Z");
    const engine = { type: "podman.io", api: "unix:///p.sock", id: "" };
    const line = (argv: string[]) => new EventPresenter(wide, parseArgs(argv), plain).present({ type: "paused", container: web, time, engine }, "docker");
    assert.equal(line(["--filter", "name=web"]), `2026-01-02T03:04:05.000Z  podman.io  paused    shop  web  ${ID("a").slice(0, 12)}  101\n`);
    assert.match(line([]), /paused {4}shop {17}web {25}a{12} {6}101\n$/, "unfiltered, the hidden container's widths count");
  });
});

describe("log lines", () => {
  it("have one prefix and the hint on a line of its own", () => {
    const error = new EngineUnavailableError("no engine at unix:///x.sock", { endpoint: "unix:///x.sock", retryable: true, hint: "start it" });
    assert.equal(
      logLine("whalewatcher: lost unix:///x.sock: no engine at unix:///x.sock; retry 1 in 105 ms", [error]),
      "whalewatcher: lost unix:///x.sock: no engine at unix:///x.sock; retry 1 in 105 ms\n  hint: start it\n",
    );
    assert.equal(logLine("plain", []), "whalewatcher: plain\n");
  });

  it("keep the runtime's text of a lost connection on a cause line", () => {
    const detail = "ENOENT: Was there a typo in the url or port?";
    const failure = new TransportError({ failure: "unavailable", endpoint: "unix:///x.sock", detail });
    const error = new EngineUnavailableError(`no Docker engine at unix:///x.sock (${detail})`, {
      endpoint: "unix:///x.sock", retryable: true, hint: "start it", cause: failure,
    });
    assert.equal(
      logLine(`whalewatcher: lost unix:///x.sock: no Docker engine at unix:///x.sock (${detail}); retry 1 in 105 ms`, [error]),
      "whalewatcher: lost unix:///x.sock: no Docker engine at unix:///x.sock: socket not found; retry 1 in 105 ms\n" +
        `  cause: ${detail}\n  hint: start it\n`,
    );
  });
});
