/**
 * The containerd client against a real containerd (WW_TEST_CONTAINERD, with a
 * busybox rootfs in WW_TEST_ROOTFS); skips loudly without one.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { create, toBinary } from "@bufbuild/protobuf";
import { AnySchema } from "@bufbuild/protobuf/wkt";
import { ContainerdClient } from "../../engines/containerd/mod.ts";
import type { EngineEvent, EventStream } from "../../lib/engine.ts";
import { PROJECT_UNKNOWN } from "../../lib/engine.ts";
import { EngineProtocolError, EngineUnavailableError } from "../../lib/errors.ts";
import { containerdEngine, ctr, dockerEngine, READ_ONLY_GRPC_METHODS, rootfsSkip, stdoutOf, testRootfs, uniqueName } from "../support/engines.ts";
import { cuttableProxy } from "../support/peers.ts";

const engine = containerdEngine();
const rootfs = testRootfs();
const skip = rootfsSkip("containerd", engine);
const socket = engine.endpoint ?? "";

/** How long an engine action may take to show up as an event on a busy machine. */
const EVENT_TIMEOUT_MS = 20_000;

/**
 * Per-test limit for tests that drive the engine (bun's default is 5 s). Bun
 * ignores timeouts of hooks, so setup runs lazily inside the tests and the
 * `after` hook only removes containers, in parallel.
 */
const TEST_TIMEOUT_MS = 90_000;

/** Removes containerd containers (killing their tasks) in parallel; best effort. */
class ContainerdCleanup {
  readonly #containers: Array<{ namespace: string; id: string }> = [];
  readonly socket: string;
  constructor(socket: string) {
    this.socket = socket;
  }
  add(namespace: string, id: string): void {
    this.#containers.push({ namespace, id });
  }
  async run(): Promise<void> {
    await Promise.all(this.#containers.splice(0).map(async ({ namespace, id }) => {
      await ctr(this.socket, "-n", namespace, "task", "kill", "-s", "SIGKILL", id);
      await ctr(this.socket, "-n", namespace, "task", "delete", "-f", id);
      await ctr(this.socket, "-n", namespace, "containers", "rm", id);
    }));
  }
}

/**
 * Publishes an event the way containerd shims do (`containerd publish` reads a
 * protobuf Any from stdin); lets tests inject payloads containerd itself never sends.
 */
function publish(socket: string, namespace: string, topic: string, typeUrl: string, value: Uint8Array): Promise<void> {
  const any = toBinary(AnySchema, create(AnySchema, { typeUrl, value }));
  return new Promise((resolve, reject) => {
    const child = execFile(
      "containerd",
      ["--address", socket, "publish", "--namespace", namespace, "--topic", topic],
      { timeout: 30_000 },
      (error, _stdout, stderr) => (error ? reject(new Error(`containerd publish: ${error.message} ${stderr}`)) : resolve()),
    );
    child.stdin?.end(Buffer.from(any));
  });
}

/** Collects the events of a stream in the background, for waiting on them. */
class EventCollector {
  readonly events: EngineEvent[] = [];
  readonly done: Promise<unknown>;
  #wake: () => void = () => {};
  #failure: { error: unknown } | undefined;

  constructor(stream: EventStream) {
    this.done = (async () => {
      try {
        for await (const event of stream) {
          this.events.push(event);
          this.#wake();
        }
      } finally {
        this.#wake();
      }
    })();
    // Not swallowed: the tests await `done` where the stream ends, and waitFor reports a stream that broke.
    this.done.catch((error: unknown) => {
      this.#failure = { error };
    });
  }

  /** Waits for an event matching `predicate`, failing after a timeout. */
  async waitFor(what: string, predicate: (event: EngineEvent) => boolean): Promise<EngineEvent> {
    const deadline = Date.now() + EVENT_TIMEOUT_MS;
    for (;;) {
      const found = this.events.find(predicate);
      if (found) return found;
      if (this.#failure) assert.fail(`the event stream broke before a ${what} event: ${this.#failure.error}`);
      const left = deadline - Date.now();
      if (left <= 0) assert.fail(`no ${what} event within ${EVENT_TIMEOUT_MS} ms; got ${JSON.stringify(this.events.map((e) => `${e.type} ${e.id}`))}`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        timer = setTimeout(resolve, Math.min(left, 200));
      });
      clearTimeout(timer);
    }
  }
}

// Skips sit on `it`, not on `describe`: bun hides skipped describe blocks entirely.
describe("containerd client against a real containerd", () => {
  const cleanup = new ContainerdCleanup(socket);
  const called: string[] = [];
  const recordCalls = (method: string) => void called.push(method);
  const namespace = uniqueName("ns");
  const ids = {
    labelled: uniqueName("labelled"),
    plain: uniqueName("plain"),
    custom: uniqueName("custom"),
    moby: uniqueName("moby"),
    created: uniqueName("created"),
    later: uniqueName("later"),
    laterCustom: uniqueName("later-custom"),
    laterMoby: uniqueName("later-moby"),
  };
  const nerdctlName = uniqueName("web");
  const project = uniqueName("shop");
  let client: ContainerdClient;

  const run = async (ns: string, id: string, ...labels: string[]): Promise<void> => {
    cleanup.add(ns, id);
    stdoutOf(
      await ctr(socket, "-n", ns, "run", "-d", ...labels.flatMap((l) => ["--label", l]), "--rootfs", rootfs!, id, "/bin/sleep", "1000"),
      `ctr run ${ns}/${id}`,
    );
  };

  let setUp: Promise<void> | undefined;
  /** Creates the containers that exist before the client looks (once, in the first test that needs them). */
  const setup = (): Promise<void> =>
    setUp ??= (async () => {
      await Promise.all([
        run("default", ids.labelled, `nerdctl/name=${nerdctlName}`, `com.docker.compose.project=${project}`),
        run("default", ids.plain),
        run(namespace, ids.custom, `nerdctl/name=${nerdctlName}`),
        run("moby", ids.moby),
        (async () => {
          cleanup.add("default", ids.created);
          stdoutOf(await ctr(socket, "container", "create", "--rootfs", rootfs!, ids.created, "/bin/sleep", "1000"), "ctr container create");
        })(),
      ]);
    })();
  if (skip === undefined) client = new ContainerdClient({ socket, onCall: recordCalls });

  after(async () => {
    if (skip !== undefined) return;
    await client.close();
    await cleanup.run();
    await ctr(socket, "namespaces", "remove", namespace);
  });

  it("reports metadata: introspection UUID, version and revision, socket path, PID when known", { skip, timeout: TEST_TIMEOUT_MS }, async () => {
    await setup();
    assert.match(await client.id(), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const version = await client.version();
    const server = stdoutOf(await ctr(socket, "version"), "ctr version");
    const [serverVersion] = /Server:\s+Version:\s+(\S+)/.exec(server)?.slice(1) ?? [];
    assert.ok(serverVersion, server);
    const [serverRevision = ""] = /Server:[\s\S]*?Revision:\s+(\S+)/.exec(server)?.slice(1) ?? [];
    // The version once: a revision that only repeats it (distribution builds) is left out.
    assert.equal(version, serverRevision.startsWith(serverVersion) ? serverVersion : `${serverVersion} ${serverRevision}`);
    assert.equal(client.api, socket);
    assert.equal(client.type, "containerd.io");
    // containerd < 1.6.25 / 1.7.0 does not tell its PID.
    assert.ok(Number.isSafeInteger(client.pid) && client.pid >= 0, String(client.pid));
  });

  it("lists running containers of all namespaces except moby, with namespaced IDs and names", { skip, timeout: TEST_TIMEOUT_MS }, async () => {
    await setup();
    const byId = new Map((await client.list()).map((c) => [c.id, c]));
    const labelled = byId.get(ids.labelled);
    assert.ok(labelled, `missing ${ids.labelled}`);
    assert.equal(labelled.name, nerdctlName);
    assert.equal(labelled.project, project);
    assert.equal(labelled.paused, false);
    assert.ok(labelled.pid > 0);
    assert.equal(byId.get(ids.plain)?.name, ids.plain);
    assert.equal(byId.get(ids.plain)?.project, "");
    const custom = byId.get(`${namespace}/${ids.custom}`);
    assert.ok(custom, `missing ${namespace}/${ids.custom} in ${[...byId.keys()].join(", ")}`);
    assert.equal(custom.name, `${namespace}/${nerdctlName}`);
    for (const id of byId.keys()) {
      assert.ok(!id.startsWith("moby/"), `moby container listed: ${id}`);
      assert.ok(!id.includes(ids.created), `created-only container listed: ${id}`);
    }
  });

  it("inspects by ID and by nerdctl name; undefined for ignored, task-less and unknown containers", { skip, timeout: TEST_TIMEOUT_MS }, async () => {
    await setup();
    assert.equal((await client.inspect(ids.labelled))?.name, nerdctlName);
    assert.equal((await client.inspect(nerdctlName))?.id, ids.labelled);
    assert.equal((await client.inspect(`${namespace}/${nerdctlName}`))?.id, `${namespace}/${ids.custom}`);
    assert.equal((await client.inspect(`${namespace}/${ids.custom}`))?.name, `${namespace}/${nerdctlName}`);
    assert.equal(await client.inspect(`moby/${ids.moby}`), undefined);
    assert.equal(await client.inspect(ids.created), undefined);
    assert.equal(await client.inspect(uniqueName("nonexisting")), undefined);
    assert.equal(await client.inspect(`${uniqueName("nons")}/x`), undefined);
  });

  it("lists moby containers when nothing is ignored", { skip, timeout: TEST_TIMEOUT_MS }, async () => {
    await setup();
    await using all = new ContainerdClient({ socket, ignoredNamespaces: [], onCall: recordCalls });
    const listed = (await all.list()).map((c) => c.id);
    assert.ok(listed.includes(`moby/${ids.moby}`), listed.join(", "));
  });

  it("streams start, pause, resume and exit; exec exits and moby containers do not count", { skip, timeout: TEST_TIMEOUT_MS }, async () => {
    await setup();
    const controller = new AbortController();
    const stream = client.lifecycleEvents({ signal: controller.signal });
    await stream.subscribed;
    const events = new EventCollector(stream);
    try {
      await run("default", ids.later, `com.docker.compose.project=${project}`);
      const started = await events.waitFor("started", (e) => e.type === "started" && e.id === ids.later);
      assert.ok(Math.abs(started.time - Date.now()) < 60_000, `event time ${started.time}`);
      assert.equal((await client.inspect(ids.later))?.project, project);

      await run(namespace, ids.laterCustom);
      await events.waitFor("started in custom namespace", (e) => e.type === "started" && e.id === `${namespace}/${ids.laterCustom}`);

      stdoutOf(await ctr(socket, "task", "exec", "--exec-id", uniqueName("exec"), ids.later, "/bin/true"), "ctr task exec");
      stdoutOf(await ctr(socket, "task", "pause", ids.later), "ctr task pause");
      await events.waitFor("paused", (e) => e.type === "paused" && e.id === ids.later);
      assert.equal((await client.inspect(ids.later))?.paused, true, "an exec exit must not end the container");
      assert.ok(!events.events.some((e) => e.type === "exited" && e.id === ids.later), "exec exit counted as container exit");

      stdoutOf(await ctr(socket, "task", "resume", ids.later), "ctr task resume");
      await events.waitFor("unpaused", (e) => e.type === "unpaused" && e.id === ids.later);
      assert.equal((await client.inspect(ids.later))?.paused, false);

      await run("moby", ids.laterMoby);
      stdoutOf(await ctr(socket, "task", "kill", "-s", "SIGKILL", ids.later), "ctr task kill");
      const exited = await events.waitFor("exited", (e) => e.type === "exited" && e.id === ids.later);
      assert.equal(exited.type === "exited" && exited.project, PROJECT_UNKNOWN);
      assert.equal(await client.inspect(ids.later), undefined);
      assert.ok(!events.events.some((e) => e.id.includes(ids.laterMoby)), "moby event delivered");
    } finally {
      controller.abort();
      await events.done; // ends quietly on abort: no throw
    }
  });

  it("skips undecodable and unknown payloads with a diagnostic and keeps streaming", { skip, timeout: TEST_TIMEOUT_MS }, async () => {
    const warnings: string[] = [];
    await using logged = new ContainerdClient({
      socket,
      onCall: recordCalls,
      logger: { warn: (message) => void warnings.push(message) },
    });
    const controller = new AbortController();
    const stream = logged.lifecycleEvents({ signal: controller.signal });
    await stream.subscribed;
    const events = new EventCollector(stream);
    try {
      const namespaceOfThisTest = uniqueName("pub");
      // A TaskExit whose field 1 claims 127 bytes of which 1 follows; a start with an unknown type.
      await publish(socket, namespaceOfThisTest, "/tasks/exit", "containerd.events.TaskExit", new Uint8Array([0x0a, 0x7f, 0x41]));
      await publish(socket, namespaceOfThisTest, "/tasks/start", "containerd.events.TaskNew", new Uint8Array([0x0a, 0x01, 0x41]));
      const after = uniqueName("after-bad");
      await run(namespace, after);
      await events.waitFor("started after the bad events", (e) => e.type === "started" && e.id === `${namespace}/${after}`);
      const ours = warnings.filter((w) => w.includes(namespaceOfThisTest));
      assert.equal(ours.length, 2, warnings.join("\n"));
      assert.match(ours[0] ?? "", /"\/tasks\/exit".*undecodable containerd\.events\.TaskExit/);
      assert.match(ours[1] ?? "", /"\/tasks\/start".*unexpected payload type "containerd\.events\.TaskNew"/);
      assert.ok(!events.events.some((e) => e.id.startsWith(`${namespaceOfThisTest}/`)));
    } finally {
      controller.abort();
      await events.done;
    }
  });

  it("ends iteration with EngineUnavailableError when the connection drops (not quietly, as on abort)", { skip, timeout: TEST_TIMEOUT_MS }, async () => {
    await setup();
    await using proxy = await cuttableProxy(socket);
    await using proxied = new ContainerdClient({ socket: proxy.socket, onCall: recordCalls });
    const controller = new AbortController();
    const stream = proxied.lifecycleEvents({ signal: controller.signal });
    await stream.subscribed;
    const events = new EventCollector(stream);
    proxy.cut();
    await assert.rejects(events.done, (error: unknown) => {
      assert.ok(error instanceof EngineUnavailableError, String(error));
      assert.equal(error.endpoint, proxy.socket);
      return true;
    });
    controller.abort();
  });

  it("called only read-only methods", { skip }, () => {
    assert.ok(called.length > 0);
    const unexpected = called.filter((method) => !READ_ONLY_GRPC_METHODS.has(method));
    assert.deepEqual(unexpected, []);
  });
});

const docker = dockerEngine();
describe("containerd client against dockerd's HTTP/1.1 API socket", () => {
  it("gives EngineProtocolError, not a hang", { skip: docker.skip, timeout: TEST_TIMEOUT_MS }, async () => {
    const socket = (docker.endpoint ?? "").replace(/^unix:\/\//, "");
    await using client = new ContainerdClient({ socket, handshakeTimeoutMs: 2_000 });
    await assert.rejects(client.version(), EngineProtocolError);
    await assert.rejects(client.list(), EngineProtocolError);
  });
});
