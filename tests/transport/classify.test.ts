/**
 * The classifier on the error shapes each runtime really produces (recorded
 * from Node 20 + undici 7, Deno 2.9 and Bun 1.4). EACCES cannot be provoked
 * by these tests when they run as root (root may open any socket), so its
 * shapes are synthetic copies of the real ones; `permission.test.ts` checks
 * the real thing by dropping privileges where it can.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  EngineError,
  EnginePermissionError,
  EngineProtocolError,
  EngineUnavailableError,
} from "../../lib/errors.ts";
import { classifyBodyError, classifyFailure, classifyTransportError, type TransportFailure } from "../../lib/transport/classify.ts";
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
  ["node EPIPE", undici(withCode(new Error("write EPIPE"), "EPIPE")), "protocol"],
  ["node other side closed", undici(withCode(new Error("other side closed"), "UND_ERR_SOCKET")), "protocol"],
  ["node TLS unknown CA", undici(withCode(new Error("unable to verify the first certificate"), "UNABLE_TO_VERIFY_LEAF_SIGNATURE")), "tls"],
  ["node TLS self-signed", undici(withCode(new Error("self-signed certificate in certificate chain"), "SELF_SIGNED_CERT_IN_CHAIN")), "tls"],
  ["deno missing socket", deno("(Connect): No such file or directory (os error 2)"), "unavailable"],
  ["deno refused", deno("(Connect): Connection refused (os error 111)"), "unavailable"],
  ["deno EACCES", deno("(Connect): Permission denied (os error 13)"), "permission"],
  ["deno garbage", deno("(SendRequest): invalid HTTP version parsed"), "protocol"],
  ["deno reset", new TypeError("fetch failed", { cause: new Error("Connection reset by peer (os error 104)") }), "protocol"],
  ["deno TLS", deno("(Connect): invalid peer certificate: UnknownIssuer"), "tls"],
  ["deno TLS client cert refused", new TypeError("fetch failed", { cause: new Error("received fatal alert: CertificateRequired") }), "tls"],
  ["deno NotCapable", new NotCapable('Requires net access to "unix:/run/test/docker.sock", run again with the --allow-net flag'), "denied-by-deno"],
  ["bun ENOENT", bun("ENOENT", "ENOENT: Was there a typo in the url or port?"), "unavailable"],
  ["bun ECONNREFUSED", bun("ECONNREFUSED", "ECONNREFUSED: Was there a typo in the url or port?"), "unavailable"],
  ["bun EACCES", bun("EACCES", "EACCES: Was there a typo in the url or port?"), "permission"],
  ["bun malformed", bun("Malformed_HTTP_Response", 'Malformed_HTTP_Response fetching "http://localhost/x".'), "protocol"],
  ["bun reset", bun("ECONNRESET", "ECONNRESET: The socket connection was closed unexpectedly."), "protocol"],
  ["bun TLS", bun("UNABLE_TO_VERIFY_LEAF_SIGNATURE", "unable to verify the first certificate"), "tls"],
  ["bun TLS handshake", bun("EPROTO", "EPROTO: The TLS handshake failed. Does the server speak TLS on this port?"), "tls"],
  ["a string", "boom", "protocol"],
  ["a cyclic cause chain", (() => {
    const e = new Error("loop") as Error & { cause: unknown };
    e.cause = e;
    return e;
  })(), "protocol"],
];

describe("classifyFailure", () => {
  for (const [name, error, expected] of shapes) {
    it(`${name} → ${expected}`, () => {
      assert.equal(classifyFailure(error), expected);
    });
  }
});

describe("classifyTransportError", () => {
  it("names a missing socket and keeps the cause", () => {
    const cause = undici(withCode(new Error("connect ENOENT /run/test/docker.sock"), "ENOENT"));
    const error = classifyTransportError(cause, SOCKET);
    assert.ok(error instanceof EngineUnavailableError);
    assert.match(error.message, /^no engine at unix:\/\/\/run\/test\/docker\.sock \(connect ENOENT/);
    assert.equal(error.endpoint, "unix:///run/test/docker.sock");
    assert.equal(error.cause, cause);
    assert.match(error.hint, /podman/);
  });

  it("gives EACCES on a socket the docker-group and Deno-flags hint", () => {
    const error = classifyTransportError(bun("EACCES", "EACCES: Was there a typo in the url or port?"), SOCKET);
    assert.ok(error instanceof EnginePermissionError);
    assert.match(error.message, /permission denied connecting to unix:\/\/\/run\/test\/docker\.sock/);
    assert.match(error.hint, /docker/);
    assert.match(error.hint, /--allow-read=\/run\/test\/docker\.sock --allow-write=\/run\/test\/docker\.sock/);
    assert.match(error.hint, /--allow-net=unix:\/run\/test\/docker\.sock,localhost/);
  });

  it("tells which Deno flags a NotCapable denial needs", () => {
    const error = classifyTransportError(new NotCapable("Requires write access"), SOCKET);
    assert.ok(error instanceof EnginePermissionError);
    assert.match(error.message, /^Deno denied access to unix:\/\/\/run\/test\/docker\.sock/);
    assert.match(error.hint, /^run Deno with --allow-read=/);
    const tcp = classifyTransportError(new NotCapable("Requires net access"), TCP);
    assert.match(tcp.hint, /--allow-net=10\.1\.2\.3:2376/);
  });

  it("reports a wrong protocol as EngineProtocolError mentioning containerd", () => {
    const error = classifyTransportError(deno("(SendRequest): invalid HTTP version parsed"), SOCKET);
    assert.ok(error instanceof EngineProtocolError);
    assert.match(error.message, /does not speak HTTP\/1\.1/);
    assert.match(error.hint, /containerd/);
  });

  it("reports TLS failures with a certificate hint", () => {
    const error = classifyTransportError(deno("(Connect): invalid peer certificate: UnknownIssuer"), TCP);
    assert.ok(error instanceof EngineProtocolError);
    assert.match(error.message, /^TLS with https:\/\/10\.1\.2\.3:2376 failed/);
    assert.match(error.hint, /ca\.pem/);
  });

  it("hints at the client certificate when a TLS peer hangs up", () => {
    const error = classifyTransportError(undici(withCode(new Error("other side closed"), "UND_ERR_SOCKET")), TCP);
    assert.ok(error instanceof EngineProtocolError);
    assert.match(error.hint, /client certificate/);
  });

  it("includes the innermost code when the message lacks it", () => {
    const error = classifyTransportError(undici(withCode(new Error("Connect Timeout Error"), "UND_ERR_CONNECT_TIMEOUT")), TCP);
    assert.match(error.message, /UND_ERR_CONNECT_TIMEOUT: Connect Timeout Error/);
  });
});

describe("classifyBodyError", () => {
  it("reports a broken-off body as EngineProtocolError", () => {
    const error = classifyBodyError(withCode(new Error("other side closed"), "UND_ERR_SOCKET"), SOCKET);
    assert.ok(error instanceof EngineProtocolError);
    assert.ok(error instanceof EngineError);
    assert.match(error.message, /^the response from unix:\/\/\/run\/test\/docker\.sock broke off/);
  });
});
