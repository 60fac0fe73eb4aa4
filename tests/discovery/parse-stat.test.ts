/**
 * `parseStat`, the one parse every `containerOf` walk step and every scan
 * makes: the three fields it cuts out of a whole `stat` line, names that hold
 * spaces and parentheses, truncated and malformed lines, and this process's
 * own line from the real /proc.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parseStat } from "../../lib/proc/parse.ts";

/** A whole `stat` line as Linux 6.1 writes it (52 fields), for a process named `name`. */
function statLine(pid: number, name: string, ppid: number, starttime: number): string {
  const after = [ppid, pid, pid, 0, -1, 4194560, 108, 0, 0, 0, 1, 2, 0, 0, 20, 0, 1, 0, starttime, 2265088, 209];
  return `${pid} (${name}) S ${after.join(" ")} 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n`;
}

describe("parseStat", () => {
  it("cuts out the PID, name, state, parent (field 4) and start time (field 22) of a whole line", () => {
    assert.deepEqual(parseStat(statLine(4711, "sleep", 1, 987654)), { pid: 4711, comm: "sleep", state: "S", ppid: 1, starttime: 987654 });
  });

  it("takes the name up to the last parenthesis, spaces and parentheses included", () => {
    const stat = parseStat(statLine(42, "my ) (odd) name", 7, 5150));
    assert.equal(stat?.comm, "my ) (odd) name");
    assert.equal(stat?.ppid, 7);
    assert.equal(stat?.starttime, 5150);
  });

  it("reads fields separated by runs of spaces, tabs or newlines", () => {
    assert.deepEqual(parseStat("9 (a)  R\t3 9 9 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0\n 77"), { pid: 9, comm: "a", state: "R", ppid: 3, starttime: 77 });
  });

  it("is undefined for a line cut off before the start time, and for one that is not a stat line", () => {
    const whole = statLine(4711, "sleep", 1, 987654);
    const cut = whole.slice(0, whole.indexOf(" 987654"));
    assert.equal(parseStat(cut), undefined);
    assert.equal(parseStat("4711 (sleep)"), undefined);
    assert.equal(parseStat(""), undefined);
    assert.equal(parseStat("no parenthesis S 1"), undefined);
    assert.equal(parseStat("4711 (sleep) S x 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5"), undefined);
  });

  it("agrees with the real /proc about this process", { skip: process.platform !== "linux" && "no /proc" }, () => {
    const stat = parseStat(readFileSync("/proc/self/stat", "utf8"));
    assert.equal(stat?.pid, process.pid);
    assert.equal(stat?.ppid, process.ppid);
    assert.ok(stat !== undefined && stat.starttime > 0);
  });
});
