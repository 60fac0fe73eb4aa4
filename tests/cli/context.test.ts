/**
 * The CLI follows the Docker CLI's current context when neither
 * `--docker-host` nor `DOCKER_HOST` is given; under Deno, a context store it
 * may not read is an error naming the flag to grant, not a silent fall-back
 * to the default socket.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runtime } from "../../lib/runtime.ts";
import { dockerEngine, dockerWithConfig } from "../support/engines.ts";
import { runCli } from "./child.ts";

const engine = dockerEngine();
const TIMEOUT = { timeout: 90_000 };

describe("CLI and Docker CLI contexts", () => {
  const configDir = mkdtempSync(join(tmpdir(), "ww-cli-context-"));
  after(() => rmSync(configDir, { recursive: true, force: true }));
  const host = engine.endpoint ?? "";
  const socket = host.replace(/^unix:\/\//, "");
  const env = { DOCKER_CONFIG: configDir, DOCKER_CONTEXT: "ww-cli", DOCKER_HOST: "" };
  let created: Promise<void> | undefined;
  const createContext = (): Promise<void> =>
    created ??= dockerWithConfig(configDir, "context", "create", "ww-cli", "--docker", `host=${host}`).then((run) => {
      assert.equal(run.code, 0, run.stderr);
    });

  it("shows the engine of the context DOCKER_CONTEXT names", { skip: engine.skip, ...TIMEOUT }, async () => {
    await createContext();
    const run = await runCli(["--engine", "docker", "--json"], undefined, 60_000, env);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).engines[0].api, host);
  });

  const deno = runtime === "deno" ? engine.skip : `SKIPPED: Deno permissions exist only on Deno, not on ${runtime}`;
  it("under Deno, an unreadable context store names the --allow-read to add", { skip: deno, ...TIMEOUT }, async () => {
    await createContext();
    const socketGrants = [`--allow-write=${socket}`, `--allow-net=unix:${socket},localhost`];
    const envGrant = "--allow-env=DOCKER_HOST,DOCKER_CONTEXT,DOCKER_CONFIG";
    const denied = await runCli(["--engine", "docker"], [...socketGrants, `--allow-read=${socket}`, envGrant], 60_000, env);
    assert.equal(denied.code, 2, denied.stderr);
    assert.match(denied.stderr, /docker context "ww-cli" \(from DOCKER_CONTEXT\): reading .*meta\.json is not permitted/);
    assert.ok(denied.stderr.includes(`--allow-read=${configDir}`), denied.stderr);
    const granted = await runCli(
      ["--engine", "docker", "--json"],
      [...socketGrants, `--allow-read=${socket},${configDir}`, envGrant],
      60_000,
      env,
    );
    assert.equal(granted.code, 0, granted.stderr);
    assert.equal(JSON.parse(granted.stdout).engines[0].api, host);
  });
});
