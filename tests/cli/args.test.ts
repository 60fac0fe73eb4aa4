import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseArgs, UsageError } from "../../cli/args.ts";

describe("CLI argument parsing", () => {
  it("defaults: show all engines as text, no endpoints given (each engine's defaults apply)", () => {
    assert.deepEqual(parseArgs([]), {
      command: "show",
      engine: "all",
      endpoints: {},
      json: false,
      watch: false,
      filters: [],
      quiet: false,
      noTrunc: false,
    });
  });

  it("accepts --opt value and --opt=value, flags, and the last of a repeated option", () => {
    const options = parseArgs([
      "--engine",
      "docker",
      "--docker-host=unix:///x.sock",
      "--containerd",
      "/c.sock",
      "--json",
      "--watch",
      "--engine=containerd",
    ]);
    assert.deepEqual(options, {
      command: "show",
      engine: "containerd",
      endpoints: { docker: "unix:///x.sock", containerd: "/c.sock" },
      json: true,
      watch: true,
      filters: [],
      quiet: false,
      noTrunc: false,
    });
  });

  it("collects every --filter, and takes -q, --no-trunc and --format", () => {
    const options = parseArgs(["--filter", "label=tier", "--filter=label=tier=web", "--filter", "state=paused", "-q", "--no-trunc"]);
    assert.deepEqual(options.filters, [
      { key: "label", value: "tier" },
      { key: "label", value: "tier=web" },
      { key: "state", value: "paused" },
    ]);
    assert.equal(options.quiet, true);
    assert.equal(options.noTrunc, true);
    assert.deepEqual(parseArgs(["--format", "{{.ID}}\\t{{ .Labels.tier }}"]).format, {
      texts: ["", "\t", ""],
      fields: [["ID"], ["Labels", "tier"]],
    });
  });

  it("--help and --version win over everything else that is valid", () => {
    assert.equal(parseArgs(["--json", "--help"]).command, "help");
    assert.equal(parseArgs(["-h"]).command, "help");
    assert.equal(parseArgs(["--version"]).command, "version");
    assert.equal(parseArgs(["--watch", "-V"]).command, "version");
  });

  for (
    const [argv, message] of [
      [["--engine", "kubernetes"], /--engine must be one of docker, podman, containerd, cri, all/],
      [["--engine"], /--engine needs a value/],
      [["--docker-host", "--json"], /--docker-host needs a value/],
      [["--containerd="], /--containerd needs a value/],
      [["--json=yes"], /--json takes no value/],
      [["--verbose"], /unknown option --verbose/],
      [["-x"], /unknown option -x/],
      [["ps"], /unexpected argument "ps"/],
      [["--filter", "status=exited"], /--filter takes KEY=VALUE with KEY one of label, name, project, engine, state/],
      [["--filter", "state=exited"], /state= must be running or paused/],
      [["--filter", "name="], /--filter name= needs a value/],
      [["--format", "{{if .Paused}}x{{end}}"], /only \{\{\.Field\}\} placeholders/],
      [["--format", "{{.ID"], /unmatched/],
      [["--json", "-q"], /--json and --quiet cannot be combined/],
    ] as const
  ) {
    it(`rejects ${JSON.stringify(argv)}`, () => {
      assert.throws(() => parseArgs(argv), (error: unknown) => error instanceof UsageError && message.test(error.message));
    });
  }
});
