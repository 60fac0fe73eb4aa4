import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { PersistentMap } from "../../lib/model/pmap.ts";

type Op = { kind: "set"; key: string; value: number } | { kind: "delete"; key: string };

// Short keys from a tiny alphabet collide in their low hash bits often, and
// many keys force deep tries; both paths get exercised.
const key = fc.oneof(fc.string({ maxLength: 3, unit: fc.constantFrom("a", "b", "c", "d") }), fc.string());
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("set" as const), key, value: fc.integer() }),
  fc.record({ kind: fc.constant("delete" as const), key }),
);

describe("PersistentMap", () => {
  it("behaves like a Map, and every older version stays unchanged", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        let map = PersistentMap.empty<number>();
        const model = new Map<string, number>();
        const history: Array<[PersistentMap<number>, Map<string, number>]> = [];
        for (const o of ops) {
          history.push([map, new Map(model)]);
          if (o.kind === "set") {
            map = map.set(o.key, o.value);
            model.set(o.key, o.value);
          } else {
            map = map.delete(o.key);
            model.delete(o.key);
          }
        }
        history.push([map, model]);
        for (const [version, expected] of history) {
          assert.equal(version.size, expected.size);
          assert.deepEqual(new Map(version.entries()), expected);
          for (const [k, v] of expected) assert.equal(version.get(k), v);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("handles full 32-bit hash collisions", () => {
    // Brute-force real FNV-1a collisions: a 32-bit hash collides within a few 100k keys.
    const seen = new Map<number, string>();
    const colliding: string[] = [];
    for (let i = 0; colliding.length < 3 && i < 2_000_000; i++) {
      const k = i.toString(36);
      const h = fnv(k);
      const other = seen.get(h);
      if (other !== undefined) colliding.push(other, k);
      else seen.set(h, k);
    }
    assert.ok(colliding.length >= 2, "found no colliding keys");
    let map = PersistentMap.empty<string>();
    for (const k of colliding) map = map.set(k, k);
    map = map.set("x", "x");
    for (const k of colliding) assert.equal(map.get(k), k);
    const without = map.delete(colliding[0]!);
    assert.equal(without.get(colliding[0]!), undefined);
    assert.equal(without.get(colliding[1]!), colliding[1]);
    assert.equal(without.size, map.size - 1);
  });

  it("returns the same map when nothing changes", () => {
    const map = PersistentMap.empty<number>().set("a", 1);
    assert.equal(map.set("a", 1), map);
    assert.equal(map.delete("zz"), map);
  });
});

function fnv(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
