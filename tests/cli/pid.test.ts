/**
 * `whalewatcher pid PID`: its command line and its text and JSON answers.
 * The lookup itself is tested in tests/core/container-of.test.ts and, with
 * the CLI end to end, in tests/docker/container-of.test.ts.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseArgs, UsageError } from "../../cli/args.ts";
import { type PidJson, renderPidJson, renderPidText } from "../../cli/pid.ts";
import { newContainer } from "../../lib/model/container.ts";

const found = {
  container: newContainer({ id: "0123456789abcdef0123", name: "web", pid: 77, project: "shop" }),
  engine: { type: "docker.com", api: "unix:///run/d.sock", id: "E" },
  match: "ancestry" as const,
};

describe("whalewatcher pid", () => {
  it("parses `pid PID` with the usual engine options, anywhere on the line", () => {
    const options = parseArgs(["--engine", "docker", "pid", "4711", "--json"]);
    assert.deepEqual([options.command, options.pid, options.engine, options.json], ["pid", 4711, "docker", true]);
    assert.equal(parseArgs([]).pid, undefined);
  });

  it("refuses a missing or malformed PID, other words, extra arguments and --watch", () => {
    for (const argv of [["pid"], ["pid", "0"], ["pid", "-3"], ["pid", "12x"], ["pid", "1", "2"], ["ps"], ["pid", "1", "--watch"]]) {
      assert.throws(() => parseArgs(argv), UsageError, argv.join(" "));
    }
  });

  it("answers in one line of text, or says there is no container", () => {
    assert.equal(renderPidText(42, found),
      "process 42 is in container web (0123456789ab, init PID 77) of project shop, docker.com at unix:///run/d.sock (by ancestry)\n");
    assert.equal(renderPidText(42, undefined), "process 42 is in no alive container\n");
  });

  it("answers in JSON with the container, its engine and the match, or nulls", () => {
    const answer = JSON.parse(renderPidJson(42, found)) as PidJson;
    assert.deepEqual(answer, {
      pid: 42,
      container: { id: "0123456789abcdef0123", name: "web", pid: 77, paused: false, project: "shop", labels: {} },
      engine: { type: "docker.com", api: "unix:///run/d.sock", id: "E" },
      match: "ancestry",
    });
    assert.deepEqual(JSON.parse(renderPidJson(42, undefined)), { pid: 42, container: null, engine: null, match: null });
  });
});
