/**
 * Reading a host watcher's merged event stream in tests: the next event a
 * test waits for, skipping the others, failing (not hanging) when the stream
 * ends first.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { HostEvent } from "../../lib/host-watcher.ts";

/** The next event of `events` that `match` accepts; fails when the stream ends before one. */
export async function nextMatching(events: AsyncIterator<HostEvent>, match: (event: HostEvent) => boolean): Promise<HostEvent> {
  for (;;) {
    const next = await events.next();
    assert.ok(!next.done, "the stream ended early");
    if (match(next.value)) return next.value;
  }
}
