// The runner's engine accounting (scripts/engines/engine-report.mjs): when engine skips fail a run, how the
// engine start report and the engine logs fold into per-engine counts and named problems, and how each
// runtime's output is split by test file. Plus the engine log that tests/support/engines.ts writes.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  foldEngines,
  failedTests,
  leafResultsBun,
  leafResultsDeno,
  leafResultsNode,
  parseEngineLog,
  strictEngines,
} from "../../scripts/engines/engine-report.mjs";
import { nodeLine } from "../../scripts/engines/node-lines.mjs";
import { callerFile, engineSkip, ENGINE_LOG_VAR } from "./engines.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

const ALL_UP = {
  WW_TEST_DOCKER_HOST: "unix:///e/docker/docker.sock",
  WW_TEST_PODMAN_HOST: "unix:///e/podman/podman.sock",
  WW_TEST_CONTAINERD: "/e/containerd/containerd.sock",
  WW_TEST_CRI: "/e/cri/cri.sock",
};

describe("strictEngines", () => {
  it("is strict on CI, whoever runs it", () => {
    assert.deepEqual(strictEngines({ env: { CI: "true" }, uid: 1000 }), { strict: true, why: "CI=true" });
    assert.equal(strictEngines({ env: { CI: "1" }, uid: 1000, startsEngines: false }).strict, true);
  });

  it("is strict as root when the runner starts the engines, not with --no-engines", () => {
    assert.equal(strictEngines({ env: {}, uid: 0 }).strict, true);
    assert.equal(strictEngines({ env: {}, uid: 0, startsEngines: false }).strict, false);
  });

  it("allows skips for a developer without root and without CI (also CI=false / CI=0 / CI=\"\")", () => {
    for (const CI of [undefined, "", "0", "false", "FALSE"]) {
      assert.equal(strictEngines({ env: { CI }, uid: 1000 }).strict, false, `CI=${CI}`);
    }
  });
});

describe("foldEngines", () => {
  const dockerDown = {
    WW_TEST_PODMAN_HOST: ALL_UP.WW_TEST_PODMAN_HOST,
    WW_TEST_CONTAINERD: ALL_UP.WW_TEST_CONTAINERD,
    WW_TEST_CRI: ALL_UP.WW_TEST_CRI,
    WW_TEST_ENGINE_ERRORS: JSON.stringify({ docker: "dockerd exited with code 1\nlast log lines: …" }),
  };

  it("strict: an engine that did not start is a problem naming the engine and the reason", () => {
    const { problems } = foldEngines({ strict: true, env: dockerDown });
    assert.deepEqual(problems, ["docker: did not start: dockerd exited with code 1 | last log lines: …"]);
  });

  it("not strict: the same is only a note, and nothing fails", () => {
    const { problems, notes } = foldEngines({ strict: false, env: dockerDown });
    assert.deepEqual(problems, []);
    assert.deepEqual(notes, ["docker: did not start: dockerd exited with code 1 | last log lines: …"]);
  });

  it("strict: an engine missing from env.json without a recorded error is still a problem", () => {
    const { problems } = foldEngines({ strict: true, env: { WW_TEST_DOCKER_HOST: "unix:///d" } });
    assert.deepEqual(problems.map((p) => p.split(":")[0]), ["podman", "containerd", "cri"]);
  });

  it("strict: a failed install is a problem even when every engine started", () => {
    const env = { ...ALL_UP, WW_TEST_INSTALL_PROBLEMS: JSON.stringify(["apt-get install failed (exit 100)"]) };
    assert.deepEqual(foldEngines({ strict: true, env }).problems, ["install: apt-get install failed (exit 100)"]);
  });

  it("with --no-engines, engines the shell does not name are not 'did not start' (their suites' skips still count)", () => {
    const log = [{ engine: "containerd", file: "tests/c.test.ts", skip: "SKIPPED: WW_TEST_CONTAINERD is not set" }];
    const { problems } = foldEngines({
      strict: true,
      started: false,
      env: { WW_TEST_DOCKER_HOST: "unix:///d" },
      runtimes: [{ runtime: "node", log, results: new Map() }],
    });
    assert.deepEqual(problems, ["containerd (node): tests/c.test.ts skipped: SKIPPED: WW_TEST_CONTAINERD is not set"]);
  });

  it("strict: an engine suite that skipped fails the run, per engine; a runtime-only skip does not", () => {
    const log = [
      { engine: "docker", file: "tests/d.test.ts", endpoint: ALL_UP.WW_TEST_DOCKER_HOST },
      { engine: "containerd", file: "tests/r.test.ts", skip: "SKIPPED: containerd: private engines need root" },
    ];
    const results = new Map([
      // the Deno-only test skipped in d.test.ts never went through an engine lookup
      ["tests/d.test.ts", { passed: 4, failed: 0, skipped: 1 }],
      ["tests/r.test.ts", { passed: 0, failed: 0, skipped: 1 }],
    ]);
    const { problems } = foldEngines({ strict: true, env: ALL_UP, runtimes: [{ runtime: "bun", log, results }] });
    assert.deepEqual(problems, ["containerd (bun): tests/r.test.ts skipped: SKIPPED: containerd: private engines need root"]);
    const clean = foldEngines({ strict: true, env: ALL_UP, runtimes: [{ runtime: "bun", log: log.slice(0, 1), results }] });
    assert.deepEqual(clean.problems, []);
  });

  it("counts, per runtime and engine, the tests in the files that got the engine", () => {
    const log = [
      { engine: "docker", file: "tests/a.test.ts", endpoint: "unix:///d" },
      { engine: "docker", file: "tests/a.test.ts", endpoint: "unix:///d" },
      { engine: "podman", file: "tests/a.test.ts", endpoint: "unix:///p" },
      { engine: "containerd", file: "tests/c.test.ts", endpoint: "/c" },
    ];
    const results = new Map([
      ["tests/a.test.ts", { passed: 5, failed: 1, skipped: 2 }],
      ["tests/c.test.ts", { passed: 3, failed: 0, skipped: 0 }],
      ["tests/core.test.ts", { passed: 100, failed: 0, skipped: 0 }],
    ]);
    const { rows } = foldEngines({ strict: true, env: ALL_UP, runtimes: [{ runtime: "node", log, results }] });
    assert.deepEqual(rows, [
      { runtime: "node", engine: "docker", files: 1, ran: 6, skipped: 2 },
      { runtime: "node", engine: "podman", files: 1, ran: 6, skipped: 2 },
      { runtime: "node", engine: "containerd", files: 1, ran: 3, skipped: 0 },
      { runtime: "node", engine: "cri", files: 0, ran: 0, skipped: 0 },
    ]);
  });
});

describe("per-file results of each runner", () => {
  it("node: the NDJSON of scripts/engines/node-reporter.mjs, paths made relative", () => {
    const text = [
      `{"file":"/r/tests/a.test.ts","status":"passed"}`,
      `{"file":"/r/tests/a.test.ts","status":"skipped"}`,
      `{"file":"/r/tests/b.test.ts","status":"failed","name":"breaks"}`,
      `{"file":"/r/tests/b.te`,
    ].join("\n");
    assert.deepEqual([...leafResultsNode(text, "/r")], [
      ["tests/a.test.ts", { passed: 1, failed: 0, skipped: 1, failedNames: [] }],
      ["tests/b.test.ts", { passed: 0, failed: 1, skipped: 0, failedNames: ["breaks"] }],
    ]);
  });

  it("deno: TAP sections per `# ./file`, leaves only", () => {
    const text = [
      "TAP version 14",
      "# ./tests/a.test.ts",
      "# Subtest: suite",
      "    ok 1 - one",
      "    ok 2 - two # SKIP",
      "    1..2",
      "ok 1 - suite",
      "# ./tests/b.test.ts",
      "not ok 2 - flat",
      "  ---",
      "  ok 3 - inside yaml",
      "  ...",
      "1..2",
    ].join("\n");
    assert.deepEqual([...leafResultsDeno(text)], [
      ["tests/a.test.ts", { passed: 1, failed: 0, skipped: 1, failedNames: [] }],
      ["tests/b.test.ts", { passed: 0, failed: 1, skipped: 0, failedNames: ["flat"] }],
    ]);
  });

  it("bun: `file:` headers over (pass)/(fail)/(skip) lines; the lists at the end belong to no file", () => {
    const text = ["bun test v1", "", "tests/a.test.ts:", "(pass) s > one [1ms]", "(skip) s > two", "", "tests/b.test.ts:",
      "(fail) three [2ms]", "", "1 tests skipped:", "(skip) s > two", "", "1 tests failed:", "(fail) three [2ms]", "", " 1 pass"].join("\n");
    assert.deepEqual([...leafResultsBun(text)], [
      ["tests/a.test.ts", { passed: 1, failed: 0, skipped: 1, failedNames: [] }],
      ["tests/b.test.ts", { passed: 0, failed: 1, skipped: 0, failedNames: ["three"] }],
    ]);
  });

  it("the failed tests of every runtime are named, with their files, for the run's summary", () => {
    const node = leafResultsNode(`{"file":"/r/tests/b.test.ts","status":"failed","name":"breaks"}\n{"file":"/r/tests/b.test.ts","status":"passed","name":"holds"}`, "/r");
    const bun = leafResultsBun("tests/c.test.ts:\n(fail) s > three [2.50ms]\n(pass) s > four [1ms]");
    assert.deepEqual(failedTests([{ runtime: "node24", results: node }, { runtime: "bun", results: bun }]), [
      "node24  tests/b.test.ts > breaks",
      "bun  tests/c.test.ts > s > three",
    ]);
  });
});

describe("the engine log of tests/support/engines.ts", () => {
  it("names the calling test file from Node, Deno and Bun stacks", () => {
    const root = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");
    const own = `${root}/tests/support/engines.ts`;
    const test = `${root}/tests/docker/x.test.ts`;
    assert.equal(callerFile(`Error\n    at lookup (file://${own}:80:3)\n    at file://${test}:12:5`), "tests/docker/x.test.ts");
    assert.equal(callerFile(`Error\n    at lookup (${own}:80:3)\n    at <anonymous> (${test}:12:5)`), "tests/docker/x.test.ts");
    assert.equal(callerFile(`Error\n    at lookup (${own}:80:3)\n    at f (${root}/tests/reliability/drivers.ts:9:1)`), "tests/reliability/drivers.ts");
    assert.equal(callerFile(), "tests/support/engine-report.test.ts", "this very call");
  });

  it("a lookup in a test process appends what it found, with the file, to WW_TEST_ENGINE_LOG", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ww-englog-"));
    try {
      const log = path.join(dir, "engines.ndjson");
      const found = { endpoint: "unix:///d", skip: undefined } as const;
      const previous = process.env[ENGINE_LOG_VAR];
      process.env[ENGINE_LOG_VAR] = log;
      let skip: string | undefined;
      try {
        assert.equal(engineSkip("docker", found, false), undefined);
        skip = engineSkip("docker", found, "private engines need root");
      } finally {
        if (previous === undefined) delete process.env[ENGINE_LOG_VAR];
        else process.env[ENGINE_LOG_VAR] = previous;
      }
      assert.equal(skip, "SKIPPED: docker: private engines need root");
      assert.deepEqual(parseEngineLog(readFileSync(log, "utf8")), [
        { engine: "docker", file: "tests/support/engine-report.test.ts", skip: "SKIPPED: docker: private engines need root" },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // Node 22 (no `entryFile`: the file's summary names it) and 24 (`entryFile`), as the runner runs them
  for (const major of ["22", "24"]) {
    it(`scripts/engines/node-reporter.mjs writes one line per leaf test with the test file that ran it (Node ${major})`, () => {
      const dir = mkdtempSync(path.join(tmpdir(), "ww-noderep-"));
      try {
        // the suites of b.test.mjs are defined in a helper module, as the fault suites' are in faults.ts
        const files: Record<string, string> = {
          "a.test.mjs": `import { describe, it } from "node:test";\ndescribe("s", () => { it("a", () => {}); it("b", { skip: "x" }, () => {}); });\n`,
          "scenarios.mjs": `import { describe, it } from "node:test";\nexport function scenarios() { describe("t", () => { it("c", () => {}); it("d", () => {}); it("e", () => {}); }); }\n`,
          "b.test.mjs": `import { scenarios } from "./scenarios.mjs";\nscenarios();\n`,
        };
        for (const [name, src] of Object.entries(files)) spawnSync("sh", ["-c", `printf '%s' "$1" > "$2"`, "sh", src, path.join(dir, name)]);
        const out = path.join(dir, "out.ndjson");
        const reporter = new URL("../../scripts/engines/node-reporter.mjs", import.meta.url).pathname;
        // without NODE_TEST_CONTEXT, which would make the child report to this runner instead of the reporter
        const env = { ...process.env };
        delete env.NODE_TEST_CONTEXT;
        const node = nodeLine(ROOT, major);
        const args = ["--test", "--test-concurrency=2", `--test-reporter=${reporter}`, `--test-reporter-destination=${out}`, "a.test.mjs", "b.test.mjs"];
        const r = spawnSync(node, args, { cwd: dir, encoding: "utf8", env });
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(new Map(leafResultsNode(readFileSync(out, "utf8"), dir)), new Map([
          ["a.test.mjs", { passed: 1, failed: 0, skipped: 1, failedNames: [] }],
          ["b.test.mjs", { passed: 3, failed: 0, skipped: 0, failedNames: [] }],
        ]));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
