/**
 * `npm start` as the README documents it for a clone: `npm start --silent -- --json` prints nothing but the
 * JSON document on stdout (it can be piped to `jq`), the CLI's exit code comes through, and without
 * `--silent` npm's own banner is on stdout, as the README warns.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PictureJson } from "../../cli/json.ts";
import { runtime } from "../../lib/runtime.ts";
import { runChild } from "../support/child.ts";
import { dockerEngine } from "../support/engines.ts";

const dockerd = dockerEngine();
// A runtime skip, not an engine one: npm start runs the CLI on Node whatever runs the tests.
const skip = runtime === "node" ? dockerd.skip : `SKIPPED: npm start runs on Node; checked under Node, not under ${runtime}`;
const TIMEOUT = 300_000;
const npm = (args: string[]) => runChild(["npm", ...args], { timeoutMs: 240_000, unsetEnv: ["DOCKER_HOST"] });

describe("npm start", () => {
  it("--silent -- --json prints only the JSON document; the CLI's exit code comes through", { skip, timeout: TIMEOUT }, async () => {
    const host = dockerd.endpoint!;
    const run = await npm(["start", "--silent", "--", "--engine", "docker", "--docker-host", host, "--json"]);
    assert.equal(run.code, 0, run.stderr);
    const doc = JSON.parse(run.stdout) as PictureJson; // throws on any banner or note on stdout
    assert.deepEqual(doc.engines.map((e) => [e.type, e.api]), [["docker.com", host]]);

    const missing = await npm(["start", "--silent", "--", "--engine", "docker", "--docker-host", "unix:///nonexistent/ww.sock", "--json"]);
    assert.equal(missing.code, 2, missing.stderr);
    assert.equal(missing.stdout, "");
    assert.match(missing.stderr, /no Docker engine at unix:\/\/\/nonexistent\/ww\.sock: socket not found/);
  });

  it("without --silent npm's banner is on stdout (why the README says --silent)", { skip, timeout: TIMEOUT }, async () => {
    const run = await npm(["start", "--", "--engine", "docker", "--docker-host", dockerd.endpoint!, "--json"]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^\s*> whalewatcher@[\d.]+ start\n/);
  });
});
