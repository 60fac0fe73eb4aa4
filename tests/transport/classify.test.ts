/**
 * The classifier on the error shapes each runtime really produces (recorded
 * from Node 20 + undici 7, Deno 2.9 and Bun 1.4). EACCES cannot be provoked
 * by these tests when they run as root (root may open any socket), so its
 * shapes are synthetic copies of the real ones; `permission.test.ts` checks
 * the real thing by dropping privileges where it can.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EngineError } from "../../lib/errors.ts";
import {
  classifyBodyError,
  classifyFailure,
  classifyTransportError,
  type TransportFailure,
  TransportError,
} from "../../lib/transport/classify.ts";
import type { HttpEndpoint } from "../../lib/transport/http.ts";

const SOCKET: HttpEndpoint = { kind: "unix", path: "/run/test/docker.sock" };
const TCP: HttpEndpoint = { kind: "tcp", host: "10.1.2.3", port: 2376, tls: { verify: true } };

function withCode(error: Error, code: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(error, { code }, extra);
}
const undici = (cause: unknown): Error => new TypeError("fetch failed", { cause });
const deno = (detail: string): Error =>
  new TypeError("fetch failed", {
    cause: new Error(`error sending request for url (http://localhost/_ping): client error ${detail}`),
  });
const bun = (code: string, message: string): Error => withCode(new TypeError(message), code);
class NotCapable extends Error {
  override name = "NotCapable";
}
class HTTPParserError extends Error {
  override name = "HTTPParserError";
}

const shapes: [string, unknown, TransportFailure][] = [
  ["node ENOENT", undici(withCode(new Error("connect ENOENT /run/test/docker.sock"), "ENOENT", { errno: -2 })), "unavailable"],
  ["node ECONNREFUSED", undici(withCode(new Error("connect ECONNREFUSED /x"), "ECONNREFUSED")), "unavailable"],
  ["node EACCES", undici(withCode(new Error("connect EACCES /run/test/docker.sock"), "EACCES", { errno: -13 })), "permission"],
  ["node connect timeout", undici(withCode(new Error("Connect Timeout Error"), "UND_ERR_CONNECT_TIMEOUT")), "unavailable"],
  [
    "node happy-eyeballs AggregateError",
    undici(withCode(new AggregateError([withCode(new Error("connect ECONNREFUSED ::1:2375"), "ECONNREFUSED")], ""), "ECONNREFUSED")),
    "unavailable",
  ],
  ["node parser error", undici(new HTTPParserError("Response does not match the HTTP/1.1 protocol (Expected HTTP/, RTSP/ or ICE/)")), "protocol"],
  ["node EPIPE", undici(withCode(new Error("write EPIPE"), "EPIPE")), "broken"],
  ["node other side closed", undici(withCode(new Error("other side closed"), "UND_ERR_SOCKET")), "broken"],
  ["node ECONNRESET", undici(withCode(new Error("read ECONNRESET"), "ECONNRESET")), "broken"],
  ["node TLS unknown CA", undici(withCode(new Error("unable to verify the first certificate"), "UNABLE_TO_VERIFY_LEAF_SIGNATURE")), "tls"],
  ["node TLS self-signed", undici(withCode(new Error("self-signed certificate in certificate chain"), "SELF_SIGNED_CERT_IN_CHAIN")), "tls"],
  ["deno missing socket", deno("(Connect): No such file or directory (os error 2)"), "unavailable"],
  ["deno refused", deno("(Connect): Connection refused (os error 111)"), "unavailable"],
  ["deno EACCES", deno("(Connect): Permission denied (os error 13)"), "permission"],
  ["deno garbage", deno("(SendRequest): invalid HTTP version parsed"), "protocol"],
  ["deno reset", new TypeError("fetch failed", { cause: new Error("Connection reset by peer (os error 104)") }), "broken"],
  ["deno peer closed at once", deno("(SendRequest): connection closed before message completed"), "broken"],
  ["deno broken pipe", new TypeError("fetch failed", { cause: new Error("Broken pipe (os error 32)") }), "broken"],
  ["deno HTTP/2 peer", deno("(SendRequest): invalid HTTP version parsed"), "protocol"],
  ["deno TLS", deno("(Connect): invalid peer certificate: UnknownIssuer"), "tls"],
  ["deno TLS client cert refused", new TypeError("fetch failed", { cause: new Error("received fatal alert: CertificateRequired") }), "tls"],
  ["deno NotCapable", new NotCapable('Requires net access to "unix:/run/test/docker.sock", run again with the --allow-net flag'), "denied-by-runtime"],
  ["bun ENOENT", bun("ENOENT", "ENOENT: Was there a typo in the url or port?"), "unavailable"],
  ["bun ECONNREFUSED", bun("ECONNREFUSED", "ECONNREFUSED: Was there a typo in the url or port?"), "unavailable"],
  ["bun EACCES", bun("EACCES", "EACCES: Was there a typo in the url or port?"), "permission"],
  ["bun malformed", bun("Malformed_HTTP_Response", 'Malformed_HTTP_Response fetching "http://localhost/x".'), "protocol"],
  ["bun reset", bun("ECONNRESET", "ECONNRESET: The socket connection was closed unexpectedly."), "broken"],
  ["bun garbage mid-chunk", bun("InvalidHTTPResponse", 'InvalidHTTPResponse fetching "http://localhost/x".'), "protocol"],
  ["bun TLS", bun("UNABLE_TO_VERIFY_LEAF_SIGNATURE", "unable to verify the first certificate"), "tls"],
  ["bun TLS handshake", bun("EPROTO", "EPROTO: The TLS handshake failed. Does the server speak TLS on this port?"), "tls"],
  ["a string", "boom", "broken"],
  ["a cyclic cause chain", (() => {
    const e = new Error("loop") as Error & { cause: unknown };
    e.cause = e;
    return e;
  })(), "broken"],
];

describe("classifyFailure", () => {
  for (const [name, error, expected] of shapes) {
    it(`${name} → ${expected}`, () => {
      assert.equal(classifyFailure(error), expected);
    });
  }
});

describe("classifyTransportError", () => {
  it("names a missing socket, keeps the cause and says it may heal", () => {
    const cause = undici(withCode(new Error("connect ENOENT /run/test/docker.sock"), "ENOENT"));
    const error = classifyTransportError(cause, SOCKET);
    assert.ok(error instanceof TransportError && error instanceof EngineError);
    assert.equal(error.failure, "unavailable");
    assert.equal(error.retryable, true);
    assert.equal(error.phase, "request");
    assert.match(error.detail, /^connect ENOENT/);
    assert.equal(error.endpoint, "unix:///run/test/docker.sock");
    assert.equal(error.cause, cause);
  });

  it("words nothing engine-specific: no hint, no engine names", () => {
    for (const [, cause] of shapes) {
      const error = classifyTransportError(cause, SOCKET);
      assert.equal(error.hint, "");
      assert.doesNotMatch(error.message.replaceAll("/run/test/docker.sock", "SOCKET"), /docker|podman|containerd/i);
    }
  });

  it("marks what never heals as not retryable", () => {
    const expected: Record<TransportFailure, boolean> = {
      unavailable: true,
      broken: true,
      timeout: true,
      permission: false,
      "denied-by-runtime": false,
      tls: false,
      protocol: false,
    };
    for (const [name, cause, failure] of shapes) {
      assert.equal(classifyTransportError(cause, SOCKET).retryable, expected[failure], name);
    }
  });

  it("gives EACCES and NotCapable the Deno flags that grant the endpoint", () => {
    const error = classifyTransportError(bun("EACCES", "EACCES: Was there a typo in the url or port?"), SOCKET);
    assert.equal(error.failure, "permission");
    assert.equal(
      error.denoFlags,
      "--allow-read=/run/test/docker.sock --allow-write=/run/test/docker.sock --allow-net=unix:/run/test/docker.sock,localhost",
    );
    const tcp = classifyTransportError(new NotCapable("Requires net access"), TCP);
    assert.equal(tcp.failure, "denied-by-runtime");
    assert.equal(tcp.denoFlags, "--allow-net=10.1.2.3:2376");
    assert.equal(classifyTransportError(undici(withCode(new Error("x"), "ENOENT")), SOCKET).denoFlags, "");
  });

  it("includes the innermost code when the message lacks it", () => {
    const error = classifyTransportError(undici(withCode(new Error("Connect Timeout Error"), "UND_ERR_CONNECT_TIMEOUT")), TCP);
    assert.match(error.detail, /UND_ERR_CONNECT_TIMEOUT: Connect Timeout Error/);
  });
});

describe("classifyBodyError", () => {
  it("reports a broken-off body as a retryable broken connection of phase body", () => {
    for (const cause of [
      withCode(new Error("other side closed"), "UND_ERR_SOCKET"),
      new HTTPParserError("Response does not match the HTTP/1.1 protocol (Invalid character in chunk size)"),
    ]) {
      const error = classifyBodyError(cause, SOCKET);
      assert.ok(error instanceof TransportError);
      assert.equal(error.failure, "broken");
      assert.equal(error.phase, "body");
      assert.equal(error.retryable, true);
      assert.match(error.message, /^the response broke off from unix:\/\/\/run\/test\/docker\.sock/);
    }
  });
});
