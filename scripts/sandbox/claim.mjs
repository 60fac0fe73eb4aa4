// One sandbox per directory: a claim file beside the directory (D.pid, outside D, which cleanup removes)
// holds the owner's PID. A second sandbox for the same D finds a live owner and refuses; a claim whose owner
// is gone (killed with SIGKILL) is taken over.
import fs from "node:fs";
import { alive } from "../engines/util.mjs";

/** The claim file of a sandbox directory. */
export function claimFile(dir) {
  return `${dir}.pid`;
}

function owner(file) {
  try {
    const pid = Number.parseInt(fs.readFileSync(file, "utf8"), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Claims dir for this process: returns {ok: true} or, when a live sandbox holds it, {ok: false, pid}.
 * Atomic (O_EXCL), so two sandboxes started at once cannot both win.
 */
export function claim(dir) {
  const file = claimFile(dir);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: "wx" });
      return { ok: true };
    } catch (error) {
      if (error.code !== "EEXIST") throw error;
    }
    const pid = owner(file);
    if (pid !== undefined && pid !== process.pid && alive(pid)) return { ok: false, pid };
    fs.rmSync(file, { force: true }); // its owner is gone: a stale claim
  }
  return { ok: false, pid: owner(file) };
}

/** Gives the claim up, if this process still holds it. */
export function release(dir) {
  const file = claimFile(dir);
  if (owner(file) === process.pid) fs.rmSync(file, { force: true });
}
