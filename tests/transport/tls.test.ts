/**
 * TCP and TLS endpoints against loopback servers. The certificates are
 * fixtures made by `fixtures/make-certs.sh` (openssl): a test CA, a server
 * certificate for localhost/127.0.0.1 and a client certificate.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer } from "node:https";
import { after, before, describe, it } from "node:test";
import { TransportError } from "../../lib/transport/http.ts";
import { runtime } from "../../lib/runtime.ts";
import { createHttpTransport, type HttpEndpoint, parseEndpoint, type TlsSettings } from "../../lib/transport/http.ts";
import { here } from "./support.ts";
import { httpServer, listen, type TestServer } from "../support/unix-server.ts";

const pem = (name: string): string => readFileSync(here(`fixtures/${name}`), "utf8");
const CA = pem("ca.pem");
const CLIENT = { cert: pem("client-cert.pem"), key: pem("client-key.pem") };

async function get(endpoint: HttpEndpoint, path = "/_ping"): Promise<{ status: number; text: string }> {
  await using transport = await createHttpTransport(endpoint, { connectTimeoutMs: 2000 });
  const response = await transport.request(path, { signal: AbortSignal.timeout(10_000) });
  return { status: response.status, text: await response.text() };
}

describe("plain TCP", () => {
  let server: TestServer;
  before(async () => {
    server = await httpServer(0, (req, res) => res.end(`plain ${new URL(req.url!, "http://x").pathname}`));
  });
  after(() => server.close());

  it("GETs over tcp://127.0.0.1:port", { timeout: 30_000 }, async () => {
    assert.deepEqual(await get(parseEndpoint(`tcp://127.0.0.1:${server.address}`)), { status: 200, text: "plain /_ping" });
  });

  it("prefixes the base path", { timeout: 30_000 }, async () => {
    const endpoint = parseEndpoint(`tcp://127.0.0.1:${server.address}/api/`);
    assert.deepEqual(await get(endpoint), { status: 200, text: "plain /api/_ping" });
  });

  it("reports a closed port as an unavailable failure", { timeout: 30_000 }, async () => {
    const closed = await httpServer(0, () => {});
    const port = closed.address;
    await closed.close();
    await assert.rejects(get(parseEndpoint(`tcp://127.0.0.1:${port}`)), (e) => e instanceof TransportError && e.failure === "unavailable");
  });
});

describe("TLS", () => {
  let server: TestServer;
  let port: number;
  let clientCertificates = 0;
  before(async () => {
    const https = createServer({
      key: pem("server-key.pem"),
      cert: pem("server-cert.pem"),
      ca: CA,
      requestCert: true,
      rejectUnauthorized: true,
    }, (req, res) => {
      clientCertificates++;
      res.end(`tls ${req.url}`);
    });
    server = await listen(https, 0);
    port = server.address as number;
  });
  after(() => server.close());

  const tls = (settings: Partial<TlsSettings>): TlsSettings => ({ verify: true, ...settings });

  it("talks mutual TLS with the CA and a client certificate", { timeout: 30_000 }, async () => {
    const before = clientCertificates;
    const endpoint = parseEndpoint(`tcp://localhost:${port}`, tls({ ca: CA, ...CLIENT }));
    assert.deepEqual(await get(endpoint), { status: 200, text: "tls /_ping" });
    assert.equal(clientCertificates, before + 1);
  });

  it("verifies 127.0.0.1 against the certificate's IP address", { timeout: 30_000 }, async () => {
    const endpoint = parseEndpoint(`https://127.0.0.1:${port}`, tls({ ca: CA, ...CLIENT }));
    assert.equal((await get(endpoint)).status, 200);
  });

  it("rejects a server whose CA it does not know, as a TLS failure that does not heal", { timeout: 30_000 }, async () => {
    const endpoint = parseEndpoint(`tcp://localhost:${port}`, tls(CLIENT));
    await assert.rejects(get(endpoint), (e) => {
      assert.ok(e instanceof TransportError, `got ${e}`);
      assert.equal(e.failure, "tls");
      assert.equal(e.retryable, false);
      assert.match(e.message, /^TLS failed with https:\/\/localhost:\d+ /);
      return true;
    });
  });

  it("is refused by a server that requires a client certificate when it has none", { timeout: 30_000 }, async () => {
    const before = clientCertificates;
    const endpoint = parseEndpoint(`tcp://localhost:${port}`, tls({ ca: CA }));
    // Every runtime reads the server's TLS 1.3 `certificate_required` alert (Node since OpenSSL 3.5, Node 22.19+).
    await assert.rejects(get(endpoint), (e) => e instanceof TransportError && e.failure === "tls");
    assert.equal(clientCertificates, before);
  });

  it("with verify: false, skips verification (Node, Bun) or still verifies (Deno cannot skip per client)", { timeout: 30_000 }, async () => {
    const endpoint = parseEndpoint(`tcp://localhost:${port}`, { verify: false, ...CLIENT });
    if (runtime === "deno") {
      await assert.rejects(get(endpoint), (e) => e instanceof TransportError && e.failure === "tls");
    } else {
      assert.equal((await get(endpoint)).status, 200);
    }
  });
});
