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
      [["--engine", "kubernetes"], /--engine must be one of docker, containerd, cri, all/],
      [["--engine"], /--engine needs a value/],
      [["--docker-host", "--json"], /--docker-host needs a value/],
      [["--containerd="], /--containerd needs a value/],
      [["--json=yes"], /--json takes no value/],
      [["--verbose"], /unknown option --verbose/],
      [["-x"], /unknown option -x/],
      [["ps"], /unexpected argument "ps"/],
    ] as const
  ) {
    it(`rejects ${JSON.stringify(argv)}`, () => {
      assert.throws(() => parseArgs(argv), (error: unknown) => error instanceof UsageError && message.test(error.message));
    });
  }
});
