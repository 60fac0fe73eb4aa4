/**
 * TEST-ONLY: stops and removes every pod of the CRI runtime at the socket
 * given as argument (scripts/engines/cri.mjs runs it before stopping its
 * containerd, so that no pod outlives the test run).
 *
 * @module
 */

import { CriAdmin } from "./admin.ts";

const socket = process.argv[2];
if (socket === undefined) throw new Error("usage: teardown.ts SOCKET");
const admin = new CriAdmin(socket);
try {
  await admin.removeAllPods();
} finally {
  admin.close();
}
