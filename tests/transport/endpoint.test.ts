import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatEndpoint, type HttpEndpoint, parseEndpoint } from "../../lib/transport/http.ts";

const TLS = { ca: "CA", cert: "CERT", key: "KEY", verify: true };

describe("parseEndpoint", () => {
  const good: [string, HttpEndpoint, (typeof TLS)?][] = [
    ["unix:///var/run/docker.sock", { kind: "unix", path: "/var/run/docker.sock" }],
    ["/run/podman/podman.sock", { kind: "unix", path: "/run/podman/podman.sock" }],
    ["  /padded.sock\n", { kind: "unix", path: "/padded.sock" }],
    ["UNIX:///upper.sock", { kind: "unix", path: "/upper.sock" }],
    ["unix:///tmp/with space.sock", { kind: "unix", path: "/tmp/with space.sock" }],
    ["unix:///x.sock", { kind: "unix", path: "/x.sock" }, TLS],
    ["tcp://10.0.0.1:2375", { kind: "tcp", host: "10.0.0.1", port: 2375 }],
    ["tcp://docker.example", { kind: "tcp", host: "docker.example", port: 2375 }],
    ["tcp://docker.example", { kind: "tcp", host: "docker.example", port: 2376, tls: TLS }, TLS],
    ["tcp://h:80", { kind: "tcp", host: "h", port: 80 }],
    ["tcp://h:2375/", { kind: "tcp", host: "h", port: 2375 }],
    ["tcp://h:2375/docker/", { kind: "tcp", host: "h", port: 2375, basePath: "/docker" }],
    ["tcp://[::1]:2375", { kind: "tcp", host: "::1", port: 2375 }],
    ["tcp://[fe80::1]", { kind: "tcp", host: "fe80::1", port: 2375 }],
    ["http://h", { kind: "tcp", host: "h", port: 80 }],
    ["http://h:8080/base", { kind: "tcp", host: "h", port: 8080, basePath: "/base" }],
    ["https://h", { kind: "tcp", host: "h", port: 443, tls: { verify: true } }],
    ["https://h:2376", { kind: "tcp", host: "h", port: 2376, tls: TLS }, TLS],
    ["tcp://h:2376", { kind: "tcp", host: "h", port: 2376, tls: TLS }, TLS],
  ];
  for (const [url, expected, tls] of good) {
    it(`parses ${JSON.stringify(url)}${tls ? " with TLS" : ""}`, () => {
      assert.deepEqual(parseEndpoint(url, tls), expected);
    });
  }

  const bad: [string, RegExp][] = [
    ["", /empty/],
    ["   ", /empty/],
    ["ssh://user@host", /ssh:\/\/ is not supported: forward/],
    ["npipe:////./pipe/docker_engine", /named pipes/],
    ["fd://", /server-side/],
    ["ftp://h", /unsupported scheme ftp/],
    ["docker.sock", /absolute socket path/],
    ["./docker.sock", /absolute socket path/],
    ["unix://", /needs a socket path/],
    ["tcp://", /host\[:port\]/],
    ["tcp://:2375", /host\[:port\]/],
    ["tcp://h:0", /out of range/],
    ["tcp://h:65536", /out of range/],
    ["tcp://h:port", /host\[:port\]/],
    ["tcp://u:p@h:2375", /user info/],
    ["tcp://h:2375/?x=1", /queries/],
    ["tcp://[::1", /host\[:port\]/],
  ];
  for (const [url, message] of bad) {
    it(`rejects ${JSON.stringify(url)} with a TypeError`, () => {
      assert.throws(() => parseEndpoint(url), (e: unknown) => e instanceof TypeError && message.test(e.message));
    });
  }
});

describe("formatEndpoint", () => {
  const table: [HttpEndpoint, string][] = [
    [{ kind: "unix", path: "/var/run/docker.sock" }, "unix:///var/run/docker.sock"],
    [{ kind: "tcp", host: "h", port: 2375 }, "tcp://h:2375"],
    [{ kind: "tcp", host: "::1", port: 2375, basePath: "/b" }, "tcp://[::1]:2375/b"],
    [{ kind: "tcp", host: "h", port: 2376, tls: { verify: true } }, "https://h:2376"],
  ];
  for (const [endpoint, text] of table) {
    it(`formats ${text}`, () => {
      assert.equal(formatEndpoint(endpoint), text);
    });
    it(`round-trips ${text}`, () => {
      assert.deepEqual(parseEndpoint(formatEndpoint(endpoint), endpoint.kind === "tcp" ? endpoint.tls : undefined), endpoint);
    });
  }
});
