import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { PersistentMap } from "../../lib/model/pmap.ts";

type Op = { kind: "set"; key: string; value: number } | { kind: "delete"; key: string };

/** FNV-1a, as the map hashes its keys. */
function fnv(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
/**
 * `groups` groups of `size` three-unit keys whose 32-bit hashes are fully equal. FNV-1a multiplies by an
 * odd number (a bijection), so keys `[a, b, c]` collide when their hashes after `[a, b]` agree in the upper
 * 16 bits and each `c` cancels the lower 16: a pass over 65,536 prefixes finds thousands of such groups.
 */
function collidingKeys(groups: number, size: number): string[][] {
  const step = (h: number, unit: number): number => Math.imul(h ^ unit, 0x01000193) >>> 0;
  const byUpperBits = new Map<number, string[]>();
  const found: string[][] = [];
  for (let prefix = 0; prefix < 0x10000 && found.length < groups; prefix++) {
    const [a, b] = [prefix >>> 8, prefix & 0xff];
    const h = step(step(0x811c9dc5, a), b);
    const same = byUpperBits.get(h >>> 16) ?? [];
    byUpperBits.set(h >>> 16, same);
    if (same.push(String.fromCharCode(a, b, h & 0xffff)) === size) found.push(same);
  }
  assert.equal(found.length, groups, "found the colliding keys");
  for (const group of found) assert.equal(new Set(group.map(fnv)).size, 1, "their hashes are equal");
  return found;
}

/**
 * The documented iteration order ("hash order"): by the hash's 5-bit chunks from the lowest up (the trie's
 * levels); keys of one hash in the order they were added, as a `Map` keeps them.
 */
function hashOrder(keys: Iterable<string>): string[] {
  const chunks = (key: string): number[] => Array.from({ length: 7 }, (_, level) => (fnv(key) >>> (5 * level)) & 31);
  return [...keys].sort((a, b) => {
    const [ca, cb] = [chunks(a), chunks(b)];
    const level = ca.findIndex((chunk, i) => chunk !== cb[i]);
    return level < 0 ? 0 : ca[level]! - cb[level]!;
  });
}

const COLLIDING = collidingKeys(2, 3);

// Short keys from a tiny alphabet collide in their low hash bits often, many keys force deep tries, and
// the fully colliding keys make collision nodes (beside other keys that share their hash's low bits).
const key = fc.oneof(
  fc.string({ maxLength: 3, unit: fc.constantFrom("a", "b", "c", "d") }),
  fc.string(),
  fc.constantFrom(...COLLIDING.flat()),
);
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("set" as const), key, value: fc.integer() }),
  fc.record({ kind: fc.constant("delete" as const), key }),
);

describe("PersistentMap", () => {
  it("behaves like a Map, and every older version stays unchanged", () => {
    fc.assert(
      // size "max": fast-check's default size would cap the histories at about 10 operations
      fc.property(fc.array(op, { maxLength: 250, size: "max" }), (ops) => {
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
        for (const [at, [version, expected]] of history.entries()) {
          assert.equal(version.size, expected.size);
          for (const [k, v] of expected) assert.equal(version.get(k), v);
          // the full comparison for every 8th version and the last (all of them cost too much per mutant)
          if (at % 8 !== 0 && at !== history.length - 1) continue;
          const entries = [...version.entries()];
          assert.deepEqual(new Map(entries), expected);
          assert.deepEqual(entries.map(([k]) => k), hashOrder(expected.keys()), "in hash order");
          assert.equal(entries.length, expected.size, "each key once");
          assert.deepEqual([...version.keys()], entries.map(([k]) => k));
          assert.deepEqual([...version.values()], entries.map(([, v]) => v));
          for (const k of expected.keys()) assert.equal(version.has(k), true);
          for (const o of ops) if (!expected.has(o.key)) assert.equal(version.has(o.key), false, o.key);
        }
      }),
      { numRuns: 60 },
    );
  });

  it("handles full 32-bit hash collisions", () => {
    const colliding = COLLIDING[0]!;
    let map = PersistentMap.empty<string>();
    for (const k of colliding) map = map.set(k, k);
    map = map.set("x", "x");
    for (const k of colliding) assert.equal(map.get(k), k);
    const without = map.delete(colliding[0]!);
    assert.equal(without.get(colliding[0]!), undefined);
    assert.equal(without.get(colliding[1]!), colliding[1]);
    assert.equal(without.size, map.size - 1);
    assert.equal(without.set(colliding[0]!, "back").get(colliding[0]!), "back");
    const one = without.delete(colliding[1]!);
    assert.deepEqual(new Map(one.entries()), new Map([[colliding[2]!, colliding[2]!], ["x", "x"]]));
    assert.equal(map.get(colliding[1]!), colliding[1], "older versions keep theirs");
  });

  it("returns the same map when nothing changes, also for colliding keys and deep in the trie", () => {
    let map = PersistentMap.empty<number>().set("a", 1);
    assert.equal(map.set("a", 1), map);
    assert.equal(map.delete("zz"), map);
    const [c1, c2] = COLLIDING[0]!;
    for (let i = 0; i < 2000; i++) map = map.set(`k${i}`, i);
    map = map.set(c1!, 1).set(c2!, 2);
    assert.equal(map.set(c1!, 1), map, "a colliding key set to its value");
    assert.equal(map.set("k1234", 1234), map, "a deep key set to its value");
    assert.equal(map.delete("k-absent"), map);
    const changed = map.set(c2!, 3);
    assert.notEqual(changed, map);
    assert.equal(changed.get(c2!), 3);
    assert.equal(changed.get(c1!), 1);
    assert.equal(changed.size, map.size);
    assert.equal(map.get(c2!), 2, "the old version keeps its value");
  });

  it("deleting every key, in any order, ends with the empty map", () => {
    fc.assert(
      fc.property(fc.uniqueArray(key, { minLength: 1, maxLength: 200, size: "max" }), fc.integer(), (keys, seed) => {
        let map = PersistentMap.empty<number>();
        for (const [i, k] of keys.entries()) map = map.set(k, i);
        assert.equal(map.size, keys.length);
        const order = [...keys].sort((a, b) => fnv(`${seed}${a}`) - fnv(`${seed}${b}`));
        for (const [i, k] of order.entries()) {
          map = map.delete(k);
          assert.equal(map.size, keys.length - i - 1);
          assert.equal(map.get(k), undefined);
        }
        assert.deepEqual([...map.entries()], []);
        assert.equal(map.set("again", 1).get("again"), 1);
      }),
      { numRuns: 50 },
    );
  });
});
