/**
 * The CLI on a terminal, against the private Docker API engines (dockerd and
 * podman): run under `script` so that stdout and stderr are a pseudo-terminal
 * of a chosen width and time zone. The table has headings and colour and
 * fits the width; `--watch` first says what it watches, then prints aligned
 * event lines in local time.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { docker, dockerApiEngines, engineSkip, testImage, uniqueName } from "../support/engines.ts";
import { cliCommand, ROOT } from "./child.ts";

const TIMEOUT = 120_000;
const WIDTH = 72;
const noScript = spawnSync("script", ["--version"]).error ? "`script` (util-linux) is not installed" : undefined;

function quote(arg: string): string {
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** Starts the CLI on a pseudo-terminal `cols` columns wide in time zone Asia/Kolkata (+05:30). */
function onTerminal(args: readonly string[], cols = WIDTH) {
  const [command, argv] = cliCommand(args);
  const line = `stty cols ${cols}; exec ${[command, ...argv].map(quote).join(" ")}`;
  const child = spawn("script", ["-qfec", line, "/dev/null"], {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, TZ: "Asia/Kolkata", NO_COLOR: "" },
  });
  let output = "";
  const waiters: Array<() => void> = [];
  child.stdout!.on("data", (chunk: Buffer) => {
    output += chunk.toString();
    for (const wake of waiters.splice(0)) wake();
  });
  const ended = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  ended.then(() => { for (const wake of waiters.splice(0)) wake(); });
  let done = false;
  void ended.then(() => (done = true));
  /** Resolves the output (ANSI codes removed, `\r\n` as `\n`) once `pattern` matches it. */
  async function until(pattern: RegExp): Promise<string> {
    for (;;) {
      const text = output.replace(/\x1b\[[0-9;]*m/g, "").replace(/\r\n/g, "\n");
      if (pattern.test(text)) return text;
      if (done) throw new Error(`the CLI ended before ${pattern}: ${text}`);
      await new Promise<void>((wake) => waiters.push(wake));
    }
  }
  return { child, until, ended, raw: () => output };
}

for (const [label, lookup] of dockerApiEngines()) {
  const skip = engineSkip(label === "dockerd" ? "docker" : "podman", lookup, noScript);
  describe(`CLI on a terminal (${label})`, () => {
    const names: string[] = [];
    after(async () => {
      if (lookup.endpoint) for (const name of names) await docker(lookup.endpoint, "rm", "-f", name);
    });

    it("prints headings in colour, uptime and image, fitted to the width; --watch announces itself and prints local time", { skip, timeout: TIMEOUT }, async () => {
      const host = lookup.endpoint!;
      const name = uniqueName("cli-tty");
      names.push(name);
      const run = await docker(host, "run", "-d", "--network", "none", "--name", name, testImage(), "sleep", "300");
      assert.equal(run.code, 0, run.stderr);

      const table = onTerminal(["--engine", "docker", "--docker-host", host, "--filter", `name=${name}`]);
      assert.equal(await table.ended, 0);
      const text = await table.until(/./);
      assert.match(table.raw(), /\x1b\[1mNAME\x1b\[0m/, "bold headings on a terminal");
      assert.match(text, /\n {4}NAME +ID +PID +STATE +IMAGE\n/);
      const row = text.split("\n").find((l) => l.startsWith("    cli-tty")); // the long name is cut to fit
      assert.ok(row, text);
      assert.match(row, /  [0-9a-f]{12}  +\d+  running, up (\d+ seconds?|\d+ minutes?)  /);
      for (const l of text.trimEnd().split("\n")) assert.ok(l.length <= WIDTH, `${l.length} > ${WIDTH}: ${l}`);

      const narrow = onTerminal(["--engine", "docker", "--docker-host", host, "--filter", `name=${name}`], 40);
      assert.equal(await narrow.ended, 0);
      const small = (await narrow.until(/./)).trimEnd().split("\n");
      for (const l of small) assert.ok(l.length <= 40, `${l.length} > 40: ${l}`);
      assert.ok(small.some((l) => /^ {4}NAME +ID +PID/.test(l)), `the headings narrow with the columns: ${small.join("\n")}`);

      const watch = onTerminal(["--engine", "docker", "--docker-host", host, "--watch", "--filter", `name=${name}`]);
      try {
        await watch.until(/watching 1 engine… \(Ctrl-C to stop\)\n/);
        const paused = await docker(host, "pause", name);
        assert.equal(paused.code, 0, paused.stderr);
        const events = await watch.until(/\+05:30 .*paused/);
        const line = events.split("\n").find((l) => /paused/.test(l) && /\+05:30/.test(l))!;
        assert.match(line, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+05:30  (docker\.com|podman\.io) +paused  +-  +cli-tty/);
        assert.ok(line.length <= WIDTH, `the coloured watch line fits: ${line.length} > ${WIDTH}: ${line}`);
      } finally {
        watch.child.stdin!.write("\x03"); // Ctrl-C on the terminal
        assert.equal(await watch.ended, 0);
      }
    });
  });
}
