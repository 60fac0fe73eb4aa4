import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { newContainer } from "../../lib/model/container.ts";
import { detailsOf, newDetails } from "../../lib/model/details.ts";

describe("container display details", () => {
  it("keep what the engine said and drop empty values and zero times", () => {
    const started = "2026-01-02T03:04:05.678Z";
    assert.deepEqual(newDetails({ image: "nginx", started }), { image: "nginx", started: new Date(started) });
    assert.deepEqual(newDetails({ image: "", started: "0001-01-01T00:00:00Z" }), {});
    assert.deepEqual(newDetails({ image: 42, started: "not a time" }), {});
    assert.deepEqual(newDetails({ started: "1970-01-01T00:00:00Z" }), {}, "the epoch is a zero time too");
    assert.deepEqual(newDetails({ started: new Date(started) }), { started: new Date(started) });
    assert.deepEqual(newDetails({ started: 1_700_000_000_000 }), {}, "a number is not a time the engines send");
  });

  it("are read back from a container's rucksack, and are none for other rucksacks", () => {
    const rucksack = newDetails({ image: "nginx", started: "2026-01-02T03:04:05Z" });
    assert.deepEqual(detailsOf(newContainer({ id: "a", pid: 1, rucksack })), rucksack);
    assert.deepEqual(detailsOf(newContainer({ id: "a", pid: 1 })), {});
    assert.deepEqual(detailsOf(newContainer({ id: "a", pid: 1, rucksack: "mine" })), {});
    assert.deepEqual(detailsOf(newContainer({ id: "a", pid: 1, rucksack: null })), {});
    assert.deepEqual(detailsOf(newContainer({ id: "a", pid: 1, rucksack: { image: "nginx" } })), { image: "nginx" });
    assert.deepEqual(detailsOf(newContainer({ id: "a", pid: 1, rucksack: { image: 1, started: "x" } })), {});
  });
});
