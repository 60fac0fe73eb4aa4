/**
 * close() leaves no open handles against bad peers: every engine client and
 * the host watcher, each against each kind of peer that never works, in a
 * child process of the runtime under test. After the child's `close()` the
 * peer sees every connection closed by the client (what a `node:net`
 * server's own `close()` waits for), and once the test ends its standard
 * input the child exits on its own. One shape, one row per client × peer.
 */
import assert from "node:assert/strict";
import { chmodSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { asNobody, type LiveChild, nobodySkipReason, runtimeCommand, startChild } from "../support/child.ts";
import { until, within, waitBound } from "../support/bounded.ts";
import { cuttingPeer, greetingPeer, http1Peer, type Peer, silentPeer, unansweringPeer } from "../support/peers.ts";
import { here } from "../transport/support.ts";

type Protocol = "http" | "grpc";

/** A client the child opens: an engine kind of the registry, or the host watcher (on a Docker engine). */
const CLIENTS: ReadonlyArray<{ name: string; protocol: Protocol }> = [
  { name: "docker", protocol: "http" },
  { name: "podman", protocol: "http" },
  { name: "containerd", protocol: "grpc" },
  { name: "cri", protocol: "grpc" },
  { name: "host", protocol: "http" },
];

/** What listens where the client connects. */
interface BadPeer {
  /** The server; closed by the test. */
  server: Peer;
  /** Where the client connects (the server's socket, or a path beside it where nothing listens). */
  socket: string;
  /** Whether the client is where the row means to close it even before the child says it tried: a request pending. */
  engaged(): boolean;
}

const PEERS: ReadonlyArray<{
  name: string;
  start(protocol: Protocol): Promise<BadPeer>;
  /** What the watcher's first failure (or `ready`) says, for either protocol or for each. */
  says: RegExp | Readonly<Record<Protocol, RegExp>>;
  /** The child runs as user nobody (a root-only socket refuses it). */
  asNobody?: true;
  /** The client cannot connect, so the peer accepts nothing. */
  unreachable?: true;
}> = [
  {
    name: "a missing socket",
    unreachable: true,
    says: /lost .*: no (Docker engine|podman engine|containerd|CRI runtime) at .*missing\.sock .*retry 1/,
    start: async () => {
      const server = await silentPeer();
      return { server, socket: join(server.dir, "missing.sock"), engaged: () => false };
    },
  },
  {
    name: "a socket it may not open (permission denied)",
    asNobody: true,
    unreachable: true,
    says: /giving up on .* after 0 retries: permission denied connecting to /,
    start: async () => {
      const server = await http1Peer();
      chmodSync(server.socket, 0o600);
      return { server, socket: server.socket, engaged: () => false };
    },
  },
  {
    name: "an SSH server that greets and closes",
    says: /giving up on .* after 0 retries: .*(does not speak|not HTTP\/2)/,
    start: () => triedFirst(greetingPeer({ keepOpen: false })),
  },
  {
    name: "an SSH server that greets and keeps the connection open",
    says: /giving up on .* after 0 retries: .*(does not speak|not HTTP\/2)/,
    start: () => triedFirst(greetingPeer({ keepOpen: true })),
  },
  {
    // It answers `OK` to every request: a Docker client retries what is no JSON; to gRPC it is another protocol.
    name: "an HTTP/1.1 server",
    says: { http: /lost .*: malformed JSON (in line 1 )?from .*: "OK"; retry 1/, grpc: /giving up on .* after 0 retries: .*does not speak gRPC/ },
    start: () => triedFirst(http1Peer()),
  },
  {
    // Closed with the first request pending: the child says nothing before.
    name: "a peer that accepts and never answers (close() with a request pending)",
    says: /^ready rejected: WatcherClosedError$/,
    start: async () => {
      const server = await silentPeer();
      return { server, socket: server.socket, engaged: () => server.connections > 0 };
    },
  },
  {
    // Closed with a request the peer took (after the HTTP/2 handshake, for gRPC) pending.
    name: "a peer that takes the request and never answers (close() with a request pending)",
    says: /^ready rejected: WatcherClosedError$/,
    start: async (protocol) => {
      const server = await unansweringPeer(protocol);
      return { server, socket: server.socket, engaged: () => server.requests > 0 };
    },
  },
  {
    name: "a peer that cuts the connection mid-response",
    says: /lost .*: .*(broke off|lost connection).*; retry 1/,
    start: (protocol) => triedFirst(cuttingPeer(protocol, { goingAway: false })),
  },
  {
    // A hard stop: HTTP/2 GOAWAY (HTTP/1.1 `Connection: close`), then the cut. Heals once the engine is back.
    name: "a peer that says it is going away and cuts mid-response",
    says: /lost .*: .*(broke off|lost connection).*; retry 1/,
    start: (protocol) => triedFirst(cuttingPeer(protocol, { goingAway: true })),
  },
];

/** A peer whose client is closed once the child says it tried. */
async function triedFirst(starting: Promise<Peer>): Promise<BadPeer> {
  const server = await starting;
  return { server, socket: server.socket, engaged: () => false };
}

/** The child's command: the runtime on child-bad-peer.ts; as user nobody, with a home in `dir`, where the row says so. */
function childCommand(client: string, socket: string, nobody: boolean, dir: string): { command: string[]; env: Record<string, string> } {
  const command = [...runtimeCommand(here("../reliability/child-bad-peer.ts")), client, socket];
  if (!nobody) return { command, env: {} };
  const home = join(dir, "home");
  mkdirSync(home);
  chmodSync(home, 0o777);
  return asNobody(command, home);
}

/** The child's next line, and every line it printed so far for the failure message. */
async function lineOf(child: LiveChild, seen: string[]): Promise<string> {
  const line = await child.nextLine(waitBound());
  seen.push(line);
  return line;
}

for (const client of CLIENTS) {
  describe(`${client.name}: close() against a bad peer leaves no open handles`, () => {
    for (const peer of PEERS) {
      const skip = peer.asNobody ? nobodySkipReason() : undefined;
      it(peer.name, { skip, timeout: 60_000 }, async () => {
        const bad = await peer.start(client.protocol);
        let child: LiveChild | undefined;
        try {
          const { command, env } = childCommand(client.name, bad.socket, peer.asNobody === true, bad.server.dir);
          const started = startChild(command, { env, interactive: true });
          child = started;
          const seen: string[] = [];
          // Close once the watcher tried (its first failure, or ready settled), or with the request pending.
          let tried = false;
          const first = lineOf(started, seen).then((line) => (tried = true, line));
          await until("the client to try the peer", () => tried || bad.engaged(), () => `child said ${seen.join(" | ")}`);
          started.process.stdin!.write("close\n");
          const said = await first;
          assert.match(said, /^tried /, `child said ${seen.join(" | ")}`);
          assert.match(said.slice("tried ".length), peer.says instanceof RegExp ? peer.says : peer.says[client.protocol]);
          assert.equal(await lineOf(started, seen), "closed", `child said ${seen.join(" | ")}`);
          assert.equal(bad.server.connections > 0, !peer.unreachable, `the peer accepted ${bad.server.connections} connections`);
          await within(`end of the peer's connections after the ${client.name} client's close() (${bad.server.connections} accepted)`, bad.server.idle());
          started.process.stdin!.end();
          const result = await within("exit of the child on its own after close()", started.exited);
          assert.equal(result.code, 0, result.stderr);
        } finally {
          if (child && child.process.exitCode === null && child.process.signalCode === null) child.process.kill("SIGKILL");
          await child?.exited.catch(() => {});
          await bad.server.close();
        }
      });
    }
  });
}
