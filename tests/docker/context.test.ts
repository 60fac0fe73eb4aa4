/**
 * Docker CLI contexts: the client finds the engine as the Docker CLI does
 * (host option, `DOCKER_HOST`, `DOCKER_CONTEXT`, `currentContext` in
 * `config.json`, the default), reads the context store's metadata and TLS
 * material, says where the address came from, and fails with a typed error
 * naming the context when it cannot be read. Stores are written by hand in
 * the CLI's format and, where the Docker CLI is installed, by the CLI itself;
 * one test connects through a context to the private dockerd.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { runChild, runtimeCommand } from "../support/child.ts";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DockerClient, type DockerClientOptions } from "../../engines/docker/mod.ts";
import { EngineError, EngineUnavailableError } from "../../lib/errors.ts";
import { runtime } from "../../lib/runtime.ts";
import { dockerEngine, dockerWithConfig } from "../support/engines.ts";
import { factoryOf, ReplayTransport } from "../support/replay-transport.ts";

const root = mkdtempSync(join(tmpdir(), "ww-docker-contexts-"));
after(() => rmSync(root, { recursive: true, force: true }));
let stores = 0;

/** A context store in the Docker CLI's layout; returns its config directory. */
function store(contexts: Record<string, { host?: string; skipTlsVerify?: boolean; tls?: string[] }>, current?: string): string {
  const dir = join(root, `config-${stores++}`);
  mkdirSync(dir, { recursive: true });
  if (current !== undefined) writeFileSync(join(dir, "config.json"), JSON.stringify({ auths: {}, currentContext: current }));
  for (const [name, context] of Object.entries(contexts)) {
    const id = createHash("sha256").update(name).digest("hex");
    mkdirSync(join(dir, "contexts", "meta", id), { recursive: true });
    const docker = context.host === undefined ? undefined : { Host: context.host, SkipTLSVerify: context.skipTlsVerify ?? false };
    writeFileSync(
      join(dir, "contexts", "meta", id, "meta.json"),
      JSON.stringify({ Name: name, Metadata: {}, Endpoints: docker ? { docker } : {} }),
    );
    if (context.tls) {
      mkdirSync(join(dir, "contexts", "tls", id, "docker"), { recursive: true });
      for (const file of context.tls) writeFileSync(join(dir, "contexts", "tls", id, "docker", `${file}.pem`), `PEM of ${file}\n`);
    }
  }
  return dir;
}

/** The endpoint a client asks its transport factory for, and where the client says the address came from. */
async function resolved(options: DockerClientOptions): Promise<{ endpoint: unknown; source: string }> {
  const factory = factoryOf(new ReplayTransport("docker"));
  await using client = new DockerClient({ ...options, transportFactory: factory });
  await client.id();
  return { endpoint: factory.endpoints[0], source: client.addressSource };
}

describe("DockerClient and Docker CLI contexts", () => {
  const config = store({ ww: { host: "unix:///run/ww/docker.sock" }, other: { host: "unix:///run/other.sock" } }, "ww");

  it("uses currentContext of $DOCKER_CONFIG/config.json and says so", async () => {
    const { endpoint, source } = await resolved({ env: { DOCKER_CONFIG: config } });
    assert.deepEqual(endpoint, { kind: "unix", path: "/run/ww/docker.sock" });
    assert.equal(source, `docker context "ww" (from currentContext in ${join(config, "config.json")})`);
  });

  it("finds the config in $HOME/.docker when DOCKER_CONFIG is unset", async () => {
    const home = join(root, "home");
    mkdirSync(home, { recursive: true });
    rmSync(join(home, ".docker"), { recursive: true, force: true });
    const dir = store({ ww: { host: "/run/home.sock" } }, "ww");
    // The CLI's default config directory is ~/.docker: move the store there.
    renameSync(dir, join(home, ".docker"));
    const { endpoint } = await resolved({ env: { HOME: home } });
    assert.deepEqual(endpoint, { kind: "unix", path: "/run/home.sock" });
  });

  it("DOCKER_CONTEXT overrides currentContext; DOCKER_HOST and the host option override both", async () => {
    const byContext = await resolved({ env: { DOCKER_CONFIG: config, DOCKER_CONTEXT: "other" } });
    assert.deepEqual(byContext.endpoint, { kind: "unix", path: "/run/other.sock" });
    assert.equal(byContext.source, 'docker context "other" (from DOCKER_CONTEXT)');
    const byHost = await resolved({ env: { DOCKER_CONFIG: config, DOCKER_CONTEXT: "other", DOCKER_HOST: "unix:///h.sock" } });
    assert.deepEqual(byHost, { endpoint: { kind: "unix", path: "/h.sock" }, source: "DOCKER_HOST" });
    const byOption = await resolved({ host: "/o.sock", env: { DOCKER_CONFIG: config, DOCKER_HOST: "unix:///h.sock" } });
    assert.deepEqual(byOption, { endpoint: { kind: "unix", path: "/o.sock" }, source: "the host option" });
  });

  it("the context named default, an empty currentContext and no config at all mean the default socket", async () => {
    const defaultSocket = { endpoint: { kind: "unix", path: "/var/run/docker.sock" }, source: "the default" };
    assert.deepEqual(await resolved({ env: { DOCKER_CONFIG: config, DOCKER_CONTEXT: "default" } }), defaultSocket);
    assert.deepEqual(await resolved({ env: { DOCKER_CONFIG: store({}, "") } }), defaultSocket);
    assert.deepEqual(await resolved({ env: { DOCKER_CONFIG: store({}) } }), defaultSocket);
    assert.deepEqual(await resolved({ env: {} }), defaultSocket);
  });

  it("reads a context's TLS material; SkipTLSVerify turns verification off", async () => {
    const tlsConfig = store({
      verified: { host: "tcp://docker.example:2376", tls: ["ca", "cert", "key"] },
      caOnly: { host: "tcp://docker.example:2376", tls: ["ca"] },
      insecure: { host: "tcp://docker.example:2376", skipTlsVerify: true },
      plain: { host: "tcp://docker.example:2375" },
    });
    const endpointOf = async (name: string): Promise<unknown> =>
      (await resolved({ env: { DOCKER_CONFIG: tlsConfig, DOCKER_CONTEXT: name } })).endpoint;
    assert.deepEqual(await endpointOf("verified"), {
      kind: "tcp",
      host: "docker.example",
      port: 2376,
      tls: { verify: true, ca: "PEM of ca\n", cert: "PEM of cert\n", key: "PEM of key\n" },
    });
    assert.deepEqual(await endpointOf("caOnly"), {
      kind: "tcp",
      host: "docker.example",
      port: 2376,
      tls: { verify: true, ca: "PEM of ca\n" },
    });
    assert.deepEqual(await endpointOf("insecure"), { kind: "tcp", host: "docker.example", port: 2376, tls: { verify: false } });
    assert.deepEqual(await endpointOf("plain"), { kind: "tcp", host: "docker.example", port: 2375 });
    // DOCKER_CERT_PATH belongs to DOCKER_HOST, not to a context.
    const withCertPath = await resolved({
      env: { DOCKER_CONFIG: tlsConfig, DOCKER_CONTEXT: "plain", DOCKER_CERT_PATH: "/nonexistent", DOCKER_TLS_VERIFY: "1" },
    });
    assert.deepEqual(withCertPath.endpoint, { kind: "tcp", host: "docker.example", port: 2375 });
  });

  it("a context that cannot be used fails at construction with an EngineError naming it", () => {
    const broken = store({ noDocker: {}, sshOnly: { host: "ssh://me@host" } }, "gone");
    const metaOf = (name: string): string =>
      join(broken, "contexts", "meta", createHash("sha256").update(name).digest("hex"), "meta.json");
    const failure = (message: RegExp, hint?: RegExp) => (error: unknown): boolean => {
      assert.ok(error instanceof EngineError, String(error));
      assert.match(error.message, message);
      if (hint) assert.match(error.hint, hint);
      return true;
    };
    assert.throws(
      () => new DockerClient({ env: { DOCKER_CONFIG: broken } }),
      failure(/^docker context "gone" \(from currentContext in .*config\.json\): the context does not exist/, /docker context ls/),
    );
    assert.throws(
      () => new DockerClient({ env: { DOCKER_CONFIG: broken, DOCKER_CONTEXT: "noDocker" } }),
      failure(/^docker context "noDocker" \(from DOCKER_CONTEXT\): .*has no Docker endpoint/),
    );
    // A context's address is parsed like DOCKER_HOST: unsupported schemes are a TypeError that names the context.
    assert.throws(() => new DockerClient({ env: { DOCKER_CONFIG: broken, DOCKER_CONTEXT: "sshOnly" } }), (error: unknown) => {
      assert.ok(error instanceof TypeError);
      assert.match(error.message, /^docker context "sshOnly" \(from DOCKER_CONTEXT\): invalid engine address "ssh:\/\/me@host": ssh:\/\/ is not supported/);
      return true;
    });
    writeFileSync(metaOf("noDocker"), "{not json");
    assert.throws(
      () => new DockerClient({ env: { DOCKER_CONFIG: broken, DOCKER_CONTEXT: "noDocker" } }),
      failure(/meta\.json is not valid JSON/),
    );
    const badConfig = store({});
    writeFileSync(join(badConfig, "config.json"), "{");
    assert.throws(
      () => new DockerClient({ env: { DOCKER_CONFIG: badConfig } }),
      failure(/^the Docker CLI's config: .*config\.json is not valid JSON/),
    );
    assert.throws(
      () => new DockerClient({ env: { DOCKER_CONTEXT: "ww" } }),
      failure(/^docker context "ww" \(from DOCKER_CONTEXT\): the Docker CLI's context store cannot be located/, /HOME or DOCKER_CONFIG/),
    );
  });

  it("names the context when nothing listens at its address", async () => {
    const dir = store({ nowhere: { host: "unix:///nonexistent/ww-test/ctx.sock" } });
    await using client = new DockerClient({ env: { DOCKER_CONFIG: dir, DOCKER_CONTEXT: "nowhere" } });
    await assert.rejects(client.version(), (error: unknown) => {
      assert.ok(error instanceof EngineUnavailableError);
      assert.match(
        error.message,
        /^no Docker engine at unix:\/\/\/nonexistent\/ww-test\/ctx\.sock .*; address from docker context "nowhere" \(from DOCKER_CONTEXT\)$/m,
      );
      return true;
    });
  });
});

describe("Docker CLI contexts under Deno's permissions", () => {
  const skip = runtime === "deno" ? undefined : `SKIPPED: Deno permissions exist only on Deno, not on ${runtime}`;
  const DOCKER_ENV = "DOCKER_HOST,DOCKER_API_VERSION,DOCKER_CERT_PATH,DOCKER_TLS_VERIFY,DOCKER_CONTEXT,DOCKER_CONFIG";

  /** `addressSource` of a default DockerClient in a Deno child with `flags` (stdin is no TTY: no prompts). */
  const sourceUnder = async (flags: string[], env: Record<string, string>): Promise<string> => {
    const mod = new URL("../../engines/docker/mod.ts", import.meta.url).href;
    const script = join(root, `source-${stores++}.ts`);
    writeFileSync(
      script,
      `import { DockerClient } from ${JSON.stringify(mod)};\n` +
        // An EngineError keeps its hint apart from the message: print both.
        `try { console.log(new DockerClient().addressSource); } catch (e) { console.log(\`error: \${e.message}\\nhint: \${e.hint}\`); }\n`,
    );
    const child = await runChild(runtimeCommand(script, ["--no-prompt", `--allow-read=${script}`, ...flags]), {
      env: { DOCKER_HOST: "", DOCKER_CONTEXT: "", DOCKER_CONFIG: "", ...env },
      timeoutMs: 30_000,
    });
    assert.deepEqual([child.code, child.timedOut], [0, false], child.stderr);
    return child.stdout.trim();
  };

  it("says when HOME or the config may not be read, instead of asking", { skip, timeout: 60_000 }, async () => {
    const home = join(root, "deno-home");
    mkdirSync(home, { recursive: true });
    rmSync(join(home, ".docker"), { recursive: true, force: true });
    renameSync(store({ ww: { host: "/run/deno.sock" } }, "ww"), join(home, ".docker"));
    const configFile = join(home, ".docker", "config.json");
    assert.equal(
      await sourceUnder([`--allow-env=${DOCKER_ENV}`], { HOME: home }),
      "the default (HOME may not be read, so no Docker CLI context was consulted)",
    );
    assert.equal(
      await sourceUnder([`--allow-env=${DOCKER_ENV},HOME`], { HOME: home }),
      `the default (${configFile} not read: no read permission)`,
    );
    assert.equal(
      await sourceUnder([`--allow-env=${DOCKER_ENV},HOME`, `--allow-read=${join(home, ".docker")}`], { HOME: home }),
      `docker context "ww" (from currentContext in ${configFile})`,
    );
    assert.match(
      await sourceUnder([`--allow-env=${DOCKER_ENV}`], { HOME: home, DOCKER_CONTEXT: "ww" }),
      /^error: docker context "ww" \(from DOCKER_CONTEXT\): the Docker CLI's context store cannot be located\nhint: grant --allow-env=HOME/,
    );
  });
});

describe("contexts written by the Docker CLI", () => {
  const engine = dockerEngine();

  it("follows `docker context create` and `docker context use` to the private dockerd", {
    skip: engine.skip,
    timeout: 60_000,
  }, async () => {
    const dir = join(root, "cli-config");
    const create = await dockerWithConfig(dir, "context", "create", "ww-private", "--docker", `host=${engine.endpoint}`);
    assert.equal(create.code, 0, create.stderr);
    const use = await dockerWithConfig(dir, "context", "use", "ww-private");
    assert.equal(use.code, 0, use.stderr);
    const insecure = await dockerWithConfig(
      dir, "context", "create", "ww-insecure", "--docker", "host=tcp://docker.example:2376,skip-tls-verify=true",
    );
    assert.equal(insecure.code, 0, insecure.stderr);

    await using client = new DockerClient({ env: { DOCKER_CONFIG: dir } });
    assert.equal(client.api, engine.endpoint);
    assert.equal(client.addressSource, `docker context "ww-private" (from currentContext in ${join(dir, "config.json")})`);
    assert.match(await client.version(), /^\d+\.\d+/);
    const viaEnv = new DockerClient({ env: { DOCKER_CONFIG: dir, DOCKER_CONTEXT: "ww-insecure" } });
    assert.equal(viaEnv.api, "https://docker.example:2376");
    await viaEnv.close();
  });
});
