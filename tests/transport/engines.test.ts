/**
 * The transport against the real engines the test runner starts: dockerd and
 * podman answer streamed and whole-body reads (also Deno's absolute-form
 * request line, which Go servers accept), podman's `/events` headers arrive
 * late without being cut, and containerd's gRPC socket gives
 * a protocol failure instead of a hang.
 * Skips loudly when the runner did not provide the engines.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TransportError } from "../../lib/transport/http.ts";
import { createHttpTransport, parseEndpoint } from "../../lib/transport/http.ts";
import { containerdEngine, dockerEngine, podmanEngine } from "../support/engines.ts";

describe("transport against real engines", () => {
  for (const [name, engine] of [["dockerd", dockerEngine()], ["podman", podmanEngine()]] as const) {
    it(`GET and HEAD /_ping on ${name}`, { skip: engine.skip, timeout: 30_000 }, async () => {
      await using transport = await createHttpTransport(parseEndpoint(engine.endpoint!));
      const ping = await transport.request("/_ping", { signal: AbortSignal.timeout(10_000) });
      assert.equal(ping.status, 200);
      assert.match(ping.headers.get("api-version") ?? "", /^1\.\d+$/);
      assert.equal(await ping.text(), "OK");
      const head = await transport.request("/_ping", { method: "HEAD", signal: AbortSignal.timeout(10_000) });
      assert.equal(head.status, 200);
      const version = await transport.request("/version?x=1", { signal: AbortSignal.timeout(10_000) });
      assert.equal(version.status, 200);
      assert.equal(typeof ((await version.json()) as { ApiVersion?: unknown }).ApiVersion, "string");
    });

    it(`get reads whole bodies from ${name}`, { skip: engine.skip, timeout: 30_000 }, async () => {
      await using transport = await createHttpTransport(parseEndpoint(engine.endpoint!));
      const ping = await transport.get("/_ping", { signal: AbortSignal.timeout(10_000) });
      assert.equal(ping.status, 200);
      assert.match(ping.headers.get("api-version") ?? "", /^1\.\d+$/);
      assert.equal(new TextDecoder().decode(ping.body), "OK");
      const version = await transport.get("/version", { signal: AbortSignal.timeout(10_000) });
      assert.equal(version.status, 200);
      const parsed = JSON.parse(new TextDecoder().decode(version.body)) as { ApiVersion?: unknown };
      assert.equal(typeof parsed.ApiVersion, "string");
      const missing = await transport.get("/containers/ww-no-such-container/json", { signal: AbortSignal.timeout(10_000) });
      assert.equal(missing.status, 404);
      assert.match(new TextDecoder().decode(missing.body), /no such container/i);
    });

    it(`opens /events on ${name} and cancels it`, { skip: engine.skip, timeout: 30_000 }, async () => {
      await using transport = await createHttpTransport(parseEndpoint(engine.endpoint!));
      const controller = new AbortController();
      // podman sends no headers until the first event: wait for them only briefly, then cancel.
      const pending = transport.request(`/events?filters=${encodeURIComponent('{"type":["container"]}')}`, {
        signal: controller.signal,
      });
      const outcome = await Promise.race([
        pending.then((r) => ({ status: r.status, body: r.body })),
        new Promise<"waiting">((resolve) => setTimeout(() => resolve("waiting"), 500)),
      ]);
      controller.abort();
      if (outcome === "waiting") {
        await assert.rejects(pending, { name: "AbortError" });
      } else {
        assert.equal(outcome.status, 200);
        await assert.rejects(outcome.body!.getReader().read(), { name: "AbortError" });
      }
    });
  }

  const containerd = containerdEngine();
  it("containerd's gRPC socket gives a protocol failure that does not heal", { skip: containerd.skip, timeout: 30_000 }, async () => {
    await using transport = await createHttpTransport(parseEndpoint(containerd.endpoint!));
    await assert.rejects(
      transport.request("/_ping", { headersTimeoutMs: 5000, signal: AbortSignal.timeout(10_000) }),
      (e) => e instanceof TransportError && e.failure === "protocol" && !e.retryable,
    );
    await assert.rejects(
      transport.get("/_ping", { headersTimeoutMs: 5000, signal: AbortSignal.timeout(10_000) }),
      (e) => e instanceof TransportError && e.failure === "protocol" && !e.retryable,
    );
  });
});
