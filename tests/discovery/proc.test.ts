/**
 * The /proc reading layer against the hand-made tree in fixtures/proc/host
 * (odd socket paths, a vanished process, another mount namespace) and the
 * real /proc (this process, and one that has exited).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { ProcFs } from "../../lib/proc/procfs.ts";

const FIXTURE = fileURLToPath(new URL("../../fixtures/proc/host", import.meta.url));

describe("ProcFs on a fixture tree", () => {
  const proc = new ProcFs({ root: FIXTURE });

  it("lists processes only, and skips one that vanished after being listed", async () => {
    assert.deepEqual(await proc.pids(), [1, 100, 150, 200, 300]);
    assert.deepEqual((await proc.processes()).map((p) => [p.pid, p.comm, p.ppid]), [
      [1, "systemd", 0],
      [100, "dockerd", 1],
      [150, "containerd-shim", 1],
      [200, "containerd", 150],
    ]);
    assert.equal(await proc.stat(300), undefined);
    assert.equal(await proc.listeningSockets(300), undefined);
  });

  it("keeps listening stream sockets of the process itself, with odd paths intact", async () => {
    const sockets = await proc.listeningSockets(100);
    assert.deepEqual(sockets?.map((s) => [s.inode, s.path, s.abstract, s.reachablePath]), [
      [5001, "/run/my docker.sock", false, "/run/my docker.sock"],
      [5002, "/run/docker/containerd/containerd.sock.ttrpc", false, "/run/docker/containerd/containerd.sock.ttrpc"],
      [5003, "@/containerd-shim/abstract.sock", true, ""],
      [5004, "/run/gone.sock (deleted)", false, "/run/gone.sock (deleted)"],
    ]);
  });

  it("reaches a socket in another mount namespace through PID/root, and reads NSpid", async () => {
    const [socket] = (await proc.listeningSockets(200)) ?? [];
    assert.equal(socket?.reachablePath, `${FIXTURE}/200/root/run/containerd/containerd.sock`);
    assert.deepEqual((await proc.status(200))?.nspid, [200, 17]);
    assert.deepEqual(proc.cgroupSync(100)?.map((c) => c.path), ["/system.slice/docker.service", "/weird:path:with:colons"]);
  });
});

describe("ProcFs on the real /proc", () => {
  it("reads this process, and a process that has exited reads as gone", async () => {
    const proc = new ProcFs();
    assert.equal((await proc.stat(process.pid))?.pid, process.pid);
    const child = spawn(process.execPath, ["--version"], { stdio: "ignore" });
    const pid = child.pid!;
    await new Promise((resolve) => child.on("close", resolve));
    assert.equal(await proc.stat(pid), undefined);
    assert.equal(await proc.socketInodes(pid), undefined);
  });
});
