/**
 * A Watcher on a CriClient behind the fault proxy, in front of the real CRI
 * containerd (WW_TEST_CRI), through the shared fault loop of faults.ts: for
 * each fault (outage, a cut or truncated connection, a stalled connection,
 * garbage in the HTTP/2 stream) the runtime changes meanwhile (one
 * container stopped, one started, through a direct admin connection);
 * afterwards the portfolio equals the runtime's truth and the subscriber got
 * exactly the missed transitions, the exit with its code. Each fault breaks
 * the connection: the watcher saw a typed error and resynced. containerd
 * 1.6 has no CRI events: the relist and the resync are what correct the
 * picture.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { criEngine } from "../support/engines.ts";
import type { FaultProxy } from "../support/fault-proxy.ts";
import { CriDriver } from "./drivers.ts";
import { cutFault, faultScenarios, GARBAGE, garbageFault, refusedFault, truncateFault } from "./faults.ts";
import type { Fault } from "./faults.ts";
import { waitUntil } from "./support.ts";

const { endpoint, skip } = criEngine();
const socket = endpoint ?? "";

/** Short, so that a stalled or garbled connection is noticed within the test. */
const CLIENT_OPTIONS = { relistIntervalMs: 1_000, requestTimeoutMs: 3_000, pingIntervalMs: 1_000, pingTimeoutMs: 1_000, handshakeTimeoutMs: 3_000 };

const connections = (proxy: FaultProxy) => waitUntil("a live gRPC connection", () => proxy.connections.length > 0 && proxy.connections);

const faults: Fault[] = [
  // Released once a relist found the runtime unreachable (otherwise the relist after the release alone corrects it).
  refusedFault("outage: every connection cut, new ones refused while the runtime changes; corrected by the resync", 1),
  cutFault("connection cut after its next byte", connections),
  truncateFault("next chunk truncated mid-way, then closed", connections),
  {
    name: "connection stalled past the request deadline: a typed error, then a resync",
    reconnects: true,
    inject(proxy, seen) {
      const before = seen.errors.length;
      proxy.stallAll(600_000);
      return async () => {
        await waitUntil("an error from the stalled connection", () => seen.errors.length > before);
        for (const connection of proxy.connections) connection.resume();
      };
    },
  },
  garbageFault("garbage injected into the HTTP/2 connection: a typed error, session replaced", connections, GARBAGE),
];

let driver: CriDriver | undefined;
faultScenarios(
  "Watcher + CriClient through the fault proxy against the real CRI containerd",
  skip,
  () => (driver = new CriDriver(socket, CLIENT_OPTIONS)),
  socket,
  faults,
  { typedErrors: true },
);

describe("CriClient through the fault proxy: the mode", { skip }, () => {
  it("ran relist-only (containerd 1.6 has no CRI events)", () => {
    assert.ok(driver !== undefined && driver.clients.length > 0, "the scenarios made a client");
    for (const client of driver.clients) assert.equal(client.mode, "relist-only");
  });
});
