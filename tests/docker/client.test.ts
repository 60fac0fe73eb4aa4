import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { within } from "../support/bounded.ts";
import { makeTempDir, unixSocketServer } from "../support/unix-server.ts";
import {
  DockerClient,
  type DockerClientOptions,
  NEWEST_API_VERSION,
  OLDEST_API_VERSION,
  PODMAN_ENGINE_TYPE,
  PRIVILEGED_LABEL,
} from "../../engines/docker/mod.ts";
import { defaultPodmanHost } from "../../engines/docker/podman-host.ts";
import { containerFromInspect } from "../../engines/docker/convert.ts";
import { EngineApiError, EngineError, EngineProtocolError, EngineUnavailableError } from "../../lib/errors.ts";
import type { Container } from "../../lib/model/container.ts";
import {
  factoryOf,
  fixtureBytes,
  type Flavour,
  recordedInspect,
  recordedInspects,
  recordedPingHeaders,
  ReplayTransport,
  type Route,
} from "../support/replay-transport.ts";

function clientOn(transport: ReplayTransport, options: DockerClientOptions = {}): DockerClient {
  return new DockerClient({ env: {}, transportFactory: factoryOf(transport), ...options });
}

function byName(containers: Container[]): Map<string, Container> {
  return new Map(containers.map((c) => [c.name, c]));
}

const pidOf = (flavour: Flavour, name: string): number => (recordedInspect(flavour, name).State as { Pid: number }).Pid;

/** Every transport these tests create, to check that none was ever asked for anything but GET/HEAD. */
const transports: ReplayTransport[] = [];
function replay(flavour: Flavour, ...routes: Route[]): ReplayTransport {
  const transport = new ReplayTransport(flavour, ...routes);
  transports.push(transport);
  return transport;
}

after(() => {
  // Read-only: nothing in the client may ever issue another method.
  for (const t of transports) {
    assert.deepEqual(t.refused, []);
    for (const r of t.requests) assert.ok(r.method === "GET" || r.method === "HEAD", `${r.method} ${r.path}`);
  }
});

for (const flavour of ["docker", "podman"] as const) {
  describe(`DockerClient.list on recorded ${flavour} responses`, () => {
    it("reports exactly the running and paused containers, without the created ones", async () => {
      await using client = clientOn(replay(flavour));
      const containers = await client.list();
      assert.deepEqual(
        containers.map((c) => c.name).sort(),
        ["wwfix-labelled", "wwfix-paused", "wwfix-plain", "wwfix_web_1", "wwfix_worker_1"],
      );
    });

    it("maps name, PID, labels, project and paused state from the inspects", async () => {
      await using client = clientOn(replay(flavour));
      const found = byName(await client.list());
      const plain = found.get("wwfix-plain")!;
      assert.equal(plain.id, recordedInspect(flavour, "wwfix-plain").Id);
      assert.equal(plain.pid, pidOf(flavour, "wwfix-plain"));
      assert.ok(plain.pid > 0);
      assert.equal(plain.project, "");
      assert.equal(plain.paused, false);
      assert.deepEqual(plain.labels, {});

      const paused = found.get("wwfix-paused")!;
      assert.equal(paused.paused, true);
      assert.equal(paused.pid, pidOf(flavour, "wwfix-paused"));

      const labelled = found.get("wwfix-labelled")!;
      assert.deepEqual(labelled.labels, {
        "com.docker.compose.project": "lonely",
        "org.example.empty": "",
        "org.example.team": "blue",
      });
      assert.equal(labelled.project, "lonely");

      for (const service of ["web", "worker"]) {
        const c = found.get(`wwfix_${service}_1`)!;
        assert.equal(c.project, "wwfix");
        assert.equal(c.labels["com.docker.compose.service"], service);
        assert.equal(c.paused, false);
      }
      for (const c of found.values()) assert.equal(c.labels[PRIVILEGED_LABEL], undefined);
    });

    it("is the first request after one /_ping, and every API path is versioned", async () => {
      const transport = replay(flavour);
      await using client = clientOn(transport);
      await Promise.all([client.list(), client.id(), client.version()]);
      assert.equal(transport.paths.filter((p) => p === "/_ping").length, 1);
      for (const path of transport.paths.filter((p) => p !== "/_ping")) assert.match(path, /^\/v1\.41\//);
    });
  });
}

describe("DockerClient.list robustness", () => {
  const plainId = recordedInspect("docker", "wwfix-plain").Id as string;
  const pausedId = recordedInspect("docker", "wwfix-paused").Id as string;
  const inspectPath = (id: string): RegExp => new RegExp(`^/v1\\.41/containers/${id}/json$`);

  it("skips a container that vanished (404) or lost its PID (restarting) during the list", async () => {
    const restarting = structuredClone(recordedInspect("docker", "wwfix-paused"));
    Object.assign(restarting.State as object, { Pid: 0, Restarting: true, Paused: false });
    const transport = replay(
      "docker",
      (path) => inspectPath(plainId).test(path) ? { status: 404, body: '{"message":"No such container"}' } : undefined,
      (path) => inspectPath(pausedId).test(path) ? { body: JSON.stringify(restarting) } : undefined,
    );
    await using client = clientOn(transport);
    const names = (await client.list()).map((c) => c.name).sort();
    assert.deepEqual(names, ["wwfix-labelled", "wwfix_web_1", "wwfix_worker_1"]);
  });

  it("skips a container podman answers 500 'no such container' for (removed after its lookup), not Docker", async () => {
    const podmanPlainId = recordedInspect("podman", "wwfix-plain").Id as string;
    const gone = (id: string): Route => (path) =>
      new RegExp(`^/v[0-9.]+/containers/${id}/json$`).test(path)
        ? { status: 500, body: `{"cause":"no such container","message":"container ${id} does not exist in database: no such container","response":500}` }
        : undefined;
    await using podman = clientOn(replay("podman", gone(podmanPlainId)));
    const names = (await podman.list()).map((c) => c.name);
    assert.ok(names.length > 0, "the other containers are listed");
    assert.ok(!names.includes("wwfix-plain"), `wwfix-plain skipped: ${names}`);
    await using docker = clientOn(replay("docker", gone(plainId)));
    await assert.rejects(docker.list(), (error: unknown) => error instanceof EngineApiError && error.status === 500);
  });

  it("fails with a retryable EngineApiError when an inspect answers 500", async () => {
    const transport = replay("docker", (path) =>
      inspectPath(plainId).test(path) ? { status: 500, body: '{"message":"boom"}' } : undefined);
    await using client = clientOn(transport);
    await assert.rejects(client.list(), (error: unknown) => {
      assert.ok(error instanceof EngineApiError);
      assert.equal(error.status, 500);
      assert.equal(error.retryable, true);
      assert.match(error.message, /^unix:\/\/\/var\/run\/docker\.sock answered \/containers\/[0-9a-f]{64}\/json with HTTP 500: boom/);
      return true;
    });
  });

  it("fails with EngineProtocolError on a non-JSON or truncated body", async () => {
    const html = replay("docker", (path) =>
      path.startsWith("/v1.41/containers/json") ? { body: "<html>502 Bad Gateway</html>" } : undefined);
    await using c1 = clientOn(html);
    await assert.rejects(c1.list(), EngineProtocolError);

    const full = JSON.stringify(recordedInspect("docker", "wwfix-plain"));
    const truncated = replay("docker", (path) =>
      inspectPath(plainId).test(path) ? { body: full.slice(0, full.length / 2), cuts: [100] } : undefined);
    await using c2 = clientOn(truncated);
    await assert.rejects(c2.list(), EngineProtocolError);

    const broken = replay("docker", (path) =>
      inspectPath(plainId).test(path) ? { body: full.slice(0, 200), failWith: new TypeError("terminated") } : undefined);
    await using c3 = clientOn(broken);
    await assert.rejects(c3.list(), EngineProtocolError);
  });

  it("fails with EngineProtocolError when the list is not an array of containers", async () => {
    const transport = replay("docker", (path) =>
      path.startsWith("/v1.41/containers/json") ? { body: '{"message":"hello"}' } : undefined);
    await using client = clientOn(transport);
    await assert.rejects(client.list(), EngineProtocolError);
  });

  it("inspects with bounded concurrency: never more than `concurrency` in flight, but in parallel", async () => {
    const template = recordedInspect("docker", "wwfix-plain");
    const ids = Array.from({ length: 20 }, (_, i) => i.toString(16).padStart(64, "a"));
    const list = JSON.stringify(ids.map((Id) => ({ Id })));
    const route: Route = (path) => {
      if (path.startsWith("/v1.41/containers/json")) return { body: list };
      const m = /^\/v1\.41\/containers\/([0-9a-f]{64})\/json$/.exec(path);
      if (m) return { body: JSON.stringify({ ...template, Id: m[1], Name: `/c${m[1]!.slice(-2)}` }), delayMs: 15 };
      return undefined;
    };
    for (const [concurrency, expected] of [[3, 3], [undefined, 8], [1, 1]] as const) {
      const transport = replay("docker", route);
      await using client = clientOn(transport, concurrency ? { concurrency } : {});
      const containers = await client.list();
      assert.deepEqual(containers.map((c) => c.id), ids, "results in list order");
      assert.equal(transport.maxInFlight, expected, `concurrency ${concurrency}`);
    }
  });

  it("stops inspecting after the first failure", async () => {
    const ids = Array.from({ length: 30 }, (_, i) => i.toString(16).padStart(64, "b"));
    const route: Route = (path) => {
      if (path.startsWith("/v1.41/containers/json")) return { body: JSON.stringify(ids.map((Id) => ({ Id }))) };
      if (path.includes("/containers/")) return { status: 500, body: '{"message":"broken"}', delayMs: 5 };
      return undefined;
    };
    const transport = replay("docker", route);
    await using client = clientOn(transport, { concurrency: 2 });
    await assert.rejects(client.list(), EngineApiError);
    const inspects = transport.paths.filter((p) => /\/containers\/[0-9a-f]{64}\/json$/.test(p)).length;
    assert.ok(inspects <= 3, `${inspects} inspects issued after the failure`);
  });

  it("rejects with the abort reason when the caller aborts", async () => {
    const transport = replay("docker", (path) => path.includes("/containers/") ? { delayMs: 10_000 } : undefined);
    await using client = clientOn(transport);
    const abort = new AbortController();
    const listing = client.list(abort.signal);
    setTimeout(() => abort.abort(new Error("stop")), 20);
    await assert.rejects(listing, /stop/);
  });

  it("hands each container and its full inspect to the packer", async () => {
    const seen: Array<[string, unknown]> = [];
    await using client = clientOn(replay("docker"), {
      packer: (container, inspect) => {
        seen.push([container.name, inspect]);
        return { image: (inspect as { Config: { Image: string } }).Config.Image };
      },
    });
    const containers = await client.list();
    assert.equal(seen.length, 5);
    for (const [name, inspect] of seen) assert.equal((inspect as { Name: string }).Name, `/${name}`);
    for (const c of containers) {
      const image = (recordedInspect("docker", c.name).Config as { Image: string }).Image;
      assert.deepEqual(c.rucksack, { image });
      assert.match(image, /^ww-busybox/);
    }
  });
});

describe("DockerClient.inspect", () => {
  it("returns the container by name or ID, undefined when missing (404) or created-only", async () => {
    await using client = clientOn(replay("docker"));
    const byNameResult = await client.inspect("wwfix-labelled");
    assert.equal(byNameResult?.project, "lonely");
    const byId = await client.inspect(recordedInspect("docker", "wwfix-paused").Id as string);
    assert.equal(byId?.paused, true);
    assert.equal(await client.inspect("wwfix-gone"), undefined);
    assert.equal(await client.inspect("wwfix-created"), undefined);
    assert.equal(await client.inspect("wwfix-privileged"), undefined, "created, never started");
  });

  it("sets the synthetic privileged label from the recorded privileged inspect", async () => {
    for (const flavour of ["docker", "podman"] as const) {
      const recorded = recordedInspect(flavour, "wwfix-privileged");
      assert.equal((recorded.HostConfig as { Privileged: boolean }).Privileged, true);
      // This machine cannot start privileged containers: give the recording the PID a started one has.
      const started = structuredClone(recorded);
      Object.assign(started.State as object, { Pid: 4242, Running: true, Status: "running" });
      await using client = clientOn(replay(flavour, (path) =>
        path.endsWith("/containers/wwfix-privileged/json") ? { body: JSON.stringify(started) } : undefined));
      const container = await client.inspect("wwfix-privileged");
      assert.equal(container?.labels[PRIVILEGED_LABEL], "true");
      assert.equal(container?.pid, 4242);
      assert.equal(container?.name, "wwfix-privileged");
    }
  });

  it("rejects inspect JSON without Id or State as a protocol error", () => {
    assert.throws(() => containerFromInspect({ Name: "/x" }, "unix:///s"), EngineProtocolError);
    assert.throws(() => containerFromInspect("nope", "unix:///s"), EngineProtocolError);
  });

  it("encodes the name into the path", async () => {
    const transport = replay("docker");
    await using client = clientOn(transport);
    assert.equal(await client.inspect("../../version?x=1"), undefined);
    assert.ok(transport.paths.includes("/v1.41/containers/..%2F..%2Fversion%3Fx%3D1/json"));
  });
});

describe("DockerClient metadata and engine type", () => {
  it("reads id() from /info and version() from /version", async () => {
    await using docker = clientOn(replay("docker"));
    assert.equal(await docker.id(), "NSMU:VVX4:O6DJ:75WI:JHNI:GLXF:L4H2:G6KR:SWFQ:MA6K:U3ZJ:2Z2M");
    assert.equal(await docker.version(), "20.10.24+dfsg1");
    await using podman = clientOn(replay("podman"));
    assert.equal(await podman.version(), "4.3.1");
    // podman's /info ID is a random UUID per request: no identity, so "".
    assert.match(JSON.parse(new TextDecoder().decode(fixtureBytes("podman", "info.json"))).ID, /^[0-9a-f-]{36}$/);
    assert.equal(await podman.id(), "");
  });

  it("podman: version() and id() from /_ping alone (its /version and /info take seconds); /version when the ping does not tell", async () => {
    const transport = replay("podman");
    await using podman = clientOn(transport);
    assert.equal(await podman.version(), "4.3.1");
    assert.equal(await podman.id(), "");
    assert.deepEqual(transport.paths, ["/_ping"]);
    const plain = replay("podman", (path) => path === "/_ping" ? { headers: { "api-version": "1.41" }, body: "OK" } : undefined);
    await using untold = clientOn(plain);
    assert.equal(await untold.version(), "4.3.1");
    assert.ok(plain.paths.some((path) => path.endsWith("/version")));
  });

  it("is docker.com for dockerd and podman.io once a request revealed podman", async () => {
    await using docker = clientOn(replay("docker"));
    await docker.list();
    assert.equal(docker.type, "docker.com");
    await using podman = clientOn(replay("podman"));
    assert.equal(podman.type, "docker.com", "unknown before the first request");
    await podman.list();
    assert.equal(podman.type, "podman.io");
  });

  it("detects podman from /version components when /_ping does not tell", async () => {
    const plainPing: Route = (path) => path === "/_ping" ? { headers: { "api-version": "1.41" }, body: "OK" } : undefined;
    await using client = clientOn(replay("podman", plainPing));
    await client.list();
    assert.equal(client.type, "docker.com");
    await client.version();
    assert.equal(client.type, "podman.io");
  });

  it("keeps an explicit type", async () => {
    await using client = clientOn(replay("podman"), { type: "example.org" });
    await client.list();
    assert.equal(client.type, "example.org");
  });

  it("reports pid 0 unless given, and the formatted host as api", () => {
    assert.equal(new DockerClient({ env: {} }).pid, 0);
    assert.equal(new DockerClient({ env: {}, pid: 77 }).pid, 77);
    assert.equal(new DockerClient({ env: {} }).api, "unix:///var/run/docker.sock");
  });
});

describe("DockerClient API version negotiation", () => {
  const withPing = (apiVersion: string | undefined): Route => (path) => {
    if (path !== "/_ping") return undefined;
    const headers = recordedPingHeaders("docker");
    if (apiVersion === undefined) headers.delete("api-version");
    else headers.set("api-version", apiVersion);
    return { headers, body: "OK" };
  };
  const versionUsed = async (options: DockerClientOptions, ...routes: Route[]): Promise<string> => {
    const transport = replay("docker", ...routes);
    await using client = clientOn(transport, options);
    await client.id();
    const versioned = transport.paths.find((p) => p.startsWith("/v"))!;
    assert.equal(versioned.slice(1, versioned.indexOf("/", 1)), `v${await client.apiVersion()}`);
    return client.apiVersion();
  };

  it("uses the engine's version when within the supported range", async () => {
    assert.equal(await versionUsed({}, withPing("1.41")), "1.41");
    assert.equal(await versionUsed({}, withPing("1.44")), "1.44");
  });

  it("clamps to the newest and oldest supported version", async () => {
    assert.equal(await versionUsed({}, withPing("1.99")), NEWEST_API_VERSION);
    assert.equal(await versionUsed({}, withPing("2.0")), NEWEST_API_VERSION);
    assert.equal(await versionUsed({}, withPing("1.12")), OLDEST_API_VERSION);
  });

  it("uses the newest supported version when the engine does not say", async () => {
    assert.equal(await versionUsed({}, withPing(undefined)), NEWEST_API_VERSION);
    assert.equal(await versionUsed({}, withPing("garbage")), NEWEST_API_VERSION);
  });

  it("takes DOCKER_API_VERSION, and an explicit apiVersion over it", async () => {
    assert.equal(await versionUsed({ env: { DOCKER_API_VERSION: "v1.40" } }, withPing("1.41")), "1.40");
    assert.equal(await versionUsed({ env: { DOCKER_API_VERSION: "1.40" }, apiVersion: "1.39" }, withPing("1.41")), "1.39");
    assert.throws(() => new DockerClient({ env: { DOCKER_API_VERSION: "latest" } }), TypeError);
  });

  it("negotiates once for concurrent first requests, and again after a failed attempt", async () => {
    let pings = 0;
    let failFirst = true;
    const flaky: Route = (path) => {
      if (path !== "/_ping") return undefined;
      pings++;
      if (failFirst) {
        failFirst = false;
        return { status: 503, body: "starting" };
      }
      return undefined;
    };
    const transport = replay("docker", flaky);
    await using client = clientOn(transport);
    const first = await Promise.allSettled([client.id(), client.version(), client.list()]);
    assert.ok(first.every((r) => r.status === "rejected"));
    assert.equal(pings, 1);
    assert.ok((first[0] as PromiseRejectedResult).reason instanceof EngineProtocolError);
    await Promise.all([client.id(), client.version(), client.list()]);
    assert.equal(pings, 2);
  });

  it("refuses a non-Docker HTTP server at /_ping with a protocol error naming the socket", async () => {
    await using client = clientOn(replay("docker", (path) => path === "/_ping" ? { status: 404, body: "no" } : undefined));
    await assert.rejects(client.list(), (error: unknown) => {
      assert.ok(error instanceof EngineProtocolError);
      assert.match(error.message, /^unix:\/\/\/var\/run\/docker\.sock answered \/_ping with HTTP 404/);
      return true;
    });
  });

  it("explains an API version rejected by the engine", async () => {
    const tooOld: Route = (path) =>
      path.startsWith("/v1.40/")
        ? { status: 400, body: '{"message":"client version 1.40 is too old. Minimum supported API version is 1.44"}' }
        : undefined;
    await using client = clientOn(replay("docker", tooOld), { apiVersion: "1.40" });
    await assert.rejects(client.id(), (error: unknown) => {
      assert.ok(error instanceof EngineApiError);
      assert.equal(error.status, 400);
      assert.match(error.message, /too old/);
      assert.match(error.hint, /DOCKER_API_VERSION/);
      return true;
    });
  });
});

describe("DockerClient host resolution", () => {
  const certs = makeTempDir();
  const certDir = certs.path;
  for (const file of ["ca.pem", "cert.pem", "key.pem"]) writeFileSync(join(certDir, file), `PEM of ${file}\n`);
  after(() => certs.remove());

  const endpointOf = async (options: DockerClientOptions): Promise<unknown> => {
    const factory = factoryOf(replay("docker"));
    await using client = new DockerClient({ ...options, transportFactory: factory });
    await client.id();
    return factory.endpoints[0];
  };

  it("prefers the host option, then DOCKER_HOST, then the default socket", async () => {
    assert.deepEqual(await endpointOf({ host: "unix:///a.sock", env: { DOCKER_HOST: "unix:///b.sock" } }), {
      kind: "unix",
      path: "/a.sock",
    });
    assert.deepEqual(await endpointOf({ env: { DOCKER_HOST: "/run/podman/podman.sock" } }), {
      kind: "unix",
      path: "/run/podman/podman.sock",
    });
    assert.deepEqual(await endpointOf({ env: { DOCKER_HOST: "" } }), { kind: "unix", path: "/var/run/docker.sock" });
    assert.equal(new DockerClient({ env: { DOCKER_HOST: "tcp://10.0.0.1:2375" } }).api, "tcp://10.0.0.1:2375");
  });

  it("loads TLS material from DOCKER_CERT_PATH; DOCKER_TLS_VERIFY decides verification", async () => {
    const verified = await endpointOf({ env: { DOCKER_HOST: "tcp://docker.example:2376", DOCKER_CERT_PATH: certDir, DOCKER_TLS_VERIFY: "1" } });
    assert.deepEqual(verified, {
      kind: "tcp",
      host: "docker.example",
      port: 2376,
      tls: { verify: true, ca: "PEM of ca.pem\n", cert: "PEM of cert.pem\n", key: "PEM of key.pem\n" },
    });
    const unverified = await endpointOf({ env: { DOCKER_HOST: "tcp://docker.example:2376", DOCKER_CERT_PATH: certDir } }) as {
      tls: { verify: boolean };
    };
    assert.equal(unverified.tls.verify, false);
    assert.equal(
      new DockerClient({ env: { DOCKER_HOST: "tcp://docker.example:2376", DOCKER_CERT_PATH: certDir } }).api,
      "https://docker.example:2376",
    );
    // Without DOCKER_CERT_PATH, DOCKER_TLS_VERIFY alone changes nothing (moby's client rule).
    assert.deepEqual(await endpointOf({ env: { DOCKER_HOST: "tcp://docker.example:2375", DOCKER_TLS_VERIFY: "1" } }), {
      kind: "tcp",
      host: "docker.example",
      port: 2375,
    });
  });

  it("fails with an EngineError naming the missing file when DOCKER_CERT_PATH lacks it", async () => {
    await using client = new DockerClient({
      env: { DOCKER_HOST: "tcp://docker.example:2376", DOCKER_CERT_PATH: join(certDir, "missing") },
      transportFactory: factoryOf(replay("docker")),
    });
    await assert.rejects(client.id(), (error: unknown) => {
      assert.ok(error instanceof EngineError);
      assert.match(error.message, /^cannot read .*missing\/(ca|cert|key)\.pem for TLS with https:\/\/docker\.example:2376/);
      return true;
    });
  });

  it("rejects unsupported addresses at construction", () => {
    assert.throws(() => new DockerClient({ host: "ssh://me@host" }), TypeError);
    assert.throws(() => new DockerClient({ env: {}, concurrency: 0 }), TypeError);
  });
});

describe("DockerClient errors and closing", () => {
  it("says 'no Docker engine at <socket>' with a hint when the socket is missing", async () => {
    await using client = new DockerClient({ host: "unix:///nonexistent/ww-test/docker.sock", env: {} });
    await assert.rejects(client.list(), (error: unknown) => {
      assert.ok(error instanceof EngineUnavailableError);
      assert.match(error.message, /^no Docker engine at unix:\/\/\/nonexistent\/ww-test\/docker\.sock/);
      assert.match(error.hint, /DOCKER_HOST/);
      return true;
    });
  });

  it("made for podman (type podman.io): says 'no podman engine' with podman's sockets in the hint", async () => {
    await using client = new DockerClient({ type: PODMAN_ENGINE_TYPE, host: "unix:///nonexistent/ww-test/podman.sock", env: {} });
    await assert.rejects(client.list(), (error: unknown) => {
      assert.ok(error instanceof EngineUnavailableError);
      assert.match(error.message, /^no podman engine at unix:\/\/\/nonexistent\/ww-test\/podman\.sock \(.*\); address from the host option$/);
      assert.match(error.hint, /podman's API service.*systemctl --user start podman\.socket.*\/run\/podman\/podman\.sock/);
      assert.doesNotMatch(`${error.message} ${error.hint}`, /Docker|DOCKER_HOST/);
      return true;
    });
  });

  it("made for podman without a host: podman's own socket, not DOCKER_HOST, and says so", async () => {
    await using client = new DockerClient({ type: PODMAN_ENGINE_TYPE, env: { DOCKER_HOST: "unix:///nonexistent/docker.sock" } });
    assert.equal(client.api, defaultPodmanHost());
    assert.match(client.addressSource, /^the default \((rootful podman|this user's rootless podman)/);
  });

  it("closes its transport once and refuses requests afterwards", async () => {
    const transport = replay("docker");
    const client = clientOn(transport);
    await client.list();
    await client.close();
    await client.close();
    assert.equal(transport.closed, 1);
    await assert.rejects(client.list(), EngineUnavailableError);
  });

  it("closes without ever connecting", async () => {
    const factory = factoryOf(replay("docker"));
    const client = new DockerClient({ env: {}, transportFactory: factory });
    await client.close();
    assert.deepEqual(factory.endpoints, []);
  });

  it("all recorded inspects are of distinct containers", () => {
    assert.equal(recordedInspects("docker").size, 7);
    assert.equal(recordedInspects("podman").size, 7);
  });
});

describe("DockerClient on a socket that speaks another protocol", () => {
  it("fails with EngineProtocolError naming the socket, not a hang (an HTTP/2 peer such as containerd)", { timeout: 30_000 }, async () => {
    // What an HTTP/2-only server (containerd's gRPC socket) does: a SETTINGS frame first, and
    // to a request without the HTTP/2 preface a GOAWAY, then it closes the connection.
    const settingsFrame = [0, 0, 6, 4, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 100];
    const goAwayFrame = [0, 0, 8, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    await using server = await unixSocketServer(createServer((socket) => {
      socket.on("error", () => {});
      socket.write(new Uint8Array(settingsFrame));
      socket.once("data", () => socket.end(new Uint8Array(goAwayFrame)));
    }), "grpc.sock");
    const path = server.socket;
    {
      await using client = new DockerClient({ host: `unix://${path}`, env: {} });
      await assert.rejects(within("the list's protocol error", client.list()), (error: unknown) => {
        assert.ok(error instanceof EngineProtocolError, String(error));
        assert.equal(error.endpoint, `unix://${path}`);
        return true;
      });
    }
  });
});
