/**
 * What the README promises about the CLI, checked against observable behaviour (exit codes, ANSI escapes,
 * lines), not exact layouts: colour only on a terminal (a pseudo-terminal through `script`) and never with
 * `NO_COLOR`; SIGTERM ends a watch like SIGINT (exit 0); a watch that breaks for good exits 1; with
 * `--engine all`, an engine that does not answer is noted on stderr while the others are shown. The engine
 * is the scripted fake Docker server (its answers are fixed, so no real engine is needed for these).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { USAGE } from "../../cli/args.ts";
import { EXIT_FAILURE, EXIT_OK, EXIT_NO_CONTAINER, EXIT_UNREACHABLE, EXIT_USAGE } from "../../cli/main.ts";
import { cliCommand, ROOT, runCli, startCli, watchCli } from "./child.ts";
import { FakeDocker, inspectJson } from "../support/fake-docker.ts";

const TIMEOUT = { timeout: 90_000 };
const ANSI = /\x1b\[/;
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

function fakeDocker(): FakeDocker {
  return new FakeDocker({
    list: bytes('[{"Id":"web"}]'),
    inspect: new Map([["web", bytes(inspectJson("web", 4216, { "com.docker.compose.project": "shop" }))]]),
    events: new Uint8Array(),
  });
}

/** Runs the CLI under a pseudo-terminal (util-linux `script`), resolving what the terminal showed. */
function onTerminal(args: readonly string[], env: Record<string, string>): Promise<{ code: number; output: string }> {
  const quote = (word: string): string => `'${word.replaceAll("'", `'\\''`)}'`;
  const [command, argv] = cliCommand(args);
  const line = [command, ...argv].map(quote).join(" ");
  return new Promise((resolve, reject) => {
    execFile("script", ["-qec", line, "/dev/null"], { env: { ...process.env, ...env }, timeout: 60_000 }, (error, stdout) => {
      const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      if (error && typeof error.code !== "number") reject(error);
      else resolve({ code, output: stdout });
    });
  });
}

const hasScript = existsSync("/usr/bin/script") || existsSync("/bin/script");

describe("CLI: what the README promises", () => {
  it("the README and --help list every exit code, 1 (a watch that broke for good) included", () => {
    /** The "Exit codes:" sentence, which may wrap over several lines (up to a blank line or a fence). */
    const exitCodes = (text: string): string => {
      const lines = text.split("\n");
      const start = lines.findIndex((l) => l.startsWith("Exit codes:"));
      assert.ok(start >= 0, "an Exit codes: line");
      const end = lines.findIndex((l, i) => i > start && (l.trim() === "" || l.startsWith("```")));
      return lines.slice(start, end < 0 ? undefined : end).join(" ");
    };
    const readme = exitCodes(readFileSync(`${ROOT}README.md`, "utf8"));
    const usage = exitCodes(USAGE);
    assert.equal(readme, usage);
    for (const code of [EXIT_OK, EXIT_FAILURE, EXIT_UNREACHABLE, EXIT_NO_CONTAINER, EXIT_USAGE]) {
      assert.match(usage, new RegExp(` ${code} `));
    }
  });

  it("the README's usage block is what --help prints, line for line", async () => {
    const readme = readFileSync(`${ROOT}README.md`, "utf8");
    const block = readme.slice(readme.indexOf("## The CLI")).match(/```text\n(Usage: whalewatcher [\s\S]*?)```/)?.[1];
    assert.ok(block !== undefined, "a usage block under The CLI");
    const help = await runCli(["--help"]);
    assert.equal(help.code, 0, help.stderr);
    assert.equal(block, help.stdout);
  });

  it("colours on a terminal, never with NO_COLOR, never into a pipe", { ...TIMEOUT, skip: !hasScript && "no `script` for a pseudo-terminal" }, async () => {
    await using fake = await fakeDocker().listen();
    const args = ["--engine", "docker", "--docker-host", fake.host];
    const env = { NO_COLOR: "", TERM: "xterm" };
    const terminal = await onTerminal(args, env);
    assert.equal(terminal.code, 0, terminal.output);
    assert.match(terminal.output, /web/);
    assert.match(terminal.output, ANSI, "colour on a terminal");
    const noColor = await onTerminal(args, { ...env, NO_COLOR: "1" });
    assert.equal(noColor.code, 0, noColor.output);
    assert.match(noColor.output, /web/);
    assert.doesNotMatch(noColor.output, ANSI, "no colour with NO_COLOR");
    const piped = await runCli(args, undefined, 60_000, { NO_COLOR: "" });
    assert.equal(piped.code, 0, piped.stderr);
    assert.match(piped.stdout, /web/);
    assert.doesNotMatch(piped.stdout, ANSI, "no colour into a pipe");
  });

  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`${signal} ends a watch with exit 0`, TIMEOUT, async () => {
      await using fake = await fakeDocker().listen();
      // watchCli ends it with the signal and asserts exit 0.
      await watchCli(["--engine", "docker", "--docker-host", fake.host, "--watch", "--json"], async (cli) => {
        const picture = JSON.parse(await cli.nextLine()) as { engines: { containers: { id: string }[] }[] };
        assert.deepEqual(picture.engines[0]!.containers.map((c) => c.id), ["web"]);
      }, { signal });
    });
  }

  it("a watch that breaks for good (the engine now refuses its events) exits 1 and says why", TIMEOUT, async () => {
    await using fake = await fakeDocker().listen();
    const cli = startCli(["--engine", "docker", "--docker-host", fake.host, "--watch", "--json"]);
    await cli.nextLine(); // the picture: the first sync is done
    fake.refuseEvents("403 Forbidden");
    fake.dropConnections();
    const run = await cli.exited;
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /watching docker\S* at unix:\/\/\S+ failed/);
    assert.ok(fake.requests.filter((r) => r.includes("/events")).length >= 2, "it tried to subscribe again");
  });

  it("--engine all notes an engine that does not answer and shows the others", TIMEOUT, async () => {
    await using fake = await fakeDocker().listen();
    const run = await runCli(["--docker-host", fake.host, "--containerd", "/tmp/ww-cli-no-such-dir/containerd.sock", "--json"]);
    assert.equal(run.code, 0, run.stderr);
    const picture = JSON.parse(run.stdout) as { engines: { containers: { id: string }[] }[] };
    assert.deepEqual(picture.engines.flatMap((e) => e.containers.map((c) => c.id)), ["web"]);
    assert.match(run.stderr, /containerd/, "the engine that did not answer is noted");
    assert.match(run.stderr, /\/tmp\/ww-cli-no-such-dir\/containerd\.sock/);
  });
});
