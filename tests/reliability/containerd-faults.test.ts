/**
 * A Watcher on a ContainerdClient behind the fault proxy, in front of the
 * real private containerd (WW_TEST_CONTAINERD): recovers from every fault
 * kind with a correct portfolio and exactly the missed transitions. All gRPC
 * calls share one HTTP/2 connection, so stream faults hit that connection.
 */
import { containerdEngine, rootfsSkip, testRootfs } from "../support/engines.ts";
import type { FaultProxy } from "../support/fault-proxy.ts";
import { ContainerdDriver } from "./drivers.ts";
import { commonFaults, faultScenarios, GARBAGE, garbageFault } from "./faults.ts";
import { waitUntil } from "./support.ts";

const engine = containerdEngine();
const rootfs = testRootfs();
const socket = engine.endpoint ?? "";
const skip = rootfsSkip("containerd", engine);
const connections = (proxy: FaultProxy) =>
  waitUntil("a live gRPC connection", () => proxy.connections.length > 0 && proxy.connections);

/** An HTTP/2 DATA frame on stream 0: a connection error (PROTOCOL_ERROR) every HTTP/2 peer must detect. */
const DATA_ON_STREAM_0 = new Uint8Array([0, 0, 4, 0, 0, 0, 0, 0, 0, 0x6a, 0x75, 0x6e, 0x6b]);

faultScenarios(
  "Watcher + ContainerdClient through the fault proxy against real containerd",
  skip,
  () => new ContainerdDriver(socket, rootfs!),
  socket,
  commonFaults(connections),
);

/**
 * How long a broken HTTP/2 session may go unnoticed. Neither fault below
 * makes Node's http2 report an error or close the session: only the
 * client's liveness check (HTTP/2 PING with a deadline while a call is open)
 * can tell. Its default interval (6 minutes, what containerd tolerates) is
 * shortened here so that the check runs within the test.
 */
const DETECTION_MS = 30_000;
const QUICK_PINGS = { pingIntervalMs: 2_000, pingTimeoutMs: 2_000 };

// Each with its own watcher: when one fails, it must not take the other scenarios with it.
faultScenarios(
  "Watcher + ContainerdClient through the fault proxy: protocol-violating HTTP/2 frame",
  skip,
  () => new ContainerdDriver(socket, rootfs!, "containerd", QUICK_PINGS),
  socket,
  [garbageFault("a DATA frame on stream 0 injected into the connection: detected, session replaced", connections, DATA_ON_STREAM_0)],
  { settleTimeoutMs: DETECTION_MS },
);
faultScenarios(
  "Watcher + ContainerdClient through the fault proxy: raw garbage in the HTTP/2 connection",
  skip,
  () => new ContainerdDriver(socket, rootfs!, "containerd", QUICK_PINGS),
  socket,
  // Read as the header of a 14 MB frame of an unknown type: everything after it is skipped as payload.
  [garbageFault("garbage bytes injected into the connection: detected, session replaced", connections, GARBAGE)],
  { settleTimeoutMs: DETECTION_MS },
);
