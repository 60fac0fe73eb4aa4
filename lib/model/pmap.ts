/**
 * A persistent (immutable) string-keyed hash map: a hash array mapped trie.
 *
 * Every update returns a new map sharing all untouched nodes with the old
 * one, so taking a snapshot of the portfolio is O(1) while lookups and
 * updates stay O(log₃₂ n). This is what lets the reducer stay a pure function
 * without copying 10,000 containers per event.
 *
 * @module
 */

const BITS = 5;
const MASK = (1 << BITS) - 1;

class Leaf<V> {
  readonly hash: number;
  readonly key: string;
  readonly value: V;
  constructor(hash: number, key: string, value: V) {
    this.hash = hash;
    this.key = key;
    this.value = value;
  }
}

/** Inner node: a bitmap of occupied slots and a dense array of children. */
class Branch<V> {
  readonly bitmap: number;
  readonly slots: ReadonlyArray<Slot<V>>;
  constructor(bitmap: number, slots: ReadonlyArray<Slot<V>>) {
    this.bitmap = bitmap;
    this.slots = slots;
  }
}

/** Keys whose 32-bit hashes are fully equal. */
class Collision<V> {
  readonly hash: number;
  readonly leaves: ReadonlyArray<Leaf<V>>;
  constructor(hash: number, leaves: ReadonlyArray<Leaf<V>>) {
    this.hash = hash;
    this.leaves = leaves;
  }
}

type Slot<V> = Leaf<V> | Branch<V> | Collision<V>;

/**
 * FNV-1a over UTF-16 code units. One update touches the same few keys
 * (container ID, project name) in several maps in a row, so the last two
 * hashes are remembered: comparing a key with itself is cheaper than hashing
 * 64 characters again.
 */
function hashOf(key: string): number {
  if (key === recentKeys[0]) return recentHashes[0];
  if (key === recentKeys[1]) return recentHashes[1];
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  }
  h >>>= 0;
  recentKeys[1] = recentKeys[0];
  recentHashes[1] = recentHashes[0];
  recentKeys[0] = key;
  recentHashes[0] = h;
  return h;
}
const recentKeys: [string | undefined, string | undefined] = [undefined, undefined];
const recentHashes: [number, number] = [0, 0];

function popcount(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}

function withSlot<V>(slots: ReadonlyArray<Slot<V>>, index: number, slot: Slot<V>): Slot<V>[] {
  const copy = slots.slice();
  copy[index] = slot;
  return copy;
}

function merge<V>(shift: number, a: Leaf<V>, b: Leaf<V>): Slot<V> {
  if (a.hash === b.hash) return new Collision(a.hash, [a, b]);
  const ia = (a.hash >>> shift) & MASK;
  const ib = (b.hash >>> shift) & MASK;
  if (ia === ib) return new Branch(1 << ia, [merge(shift + BITS, a, b)]);
  return new Branch((1 << ia) | (1 << ib), ia < ib ? [a, b] : [b, a]);
}

/** Result flag of an insert: whether the key was new. */
interface Added {
  added: boolean;
}

function insert<V>(slot: Slot<V>, shift: number, leaf: Leaf<V>, out: Added): Slot<V> {
  if (slot instanceof Leaf) {
    if (slot.key === leaf.key) return slot.value === leaf.value ? slot : leaf;
    out.added = true;
    return merge(shift, slot, leaf);
  }
  if (slot instanceof Collision) {
    if (slot.hash !== leaf.hash) {
      // Push the collision one level down beside the new leaf.
      const branch = new Branch<V>(1 << ((slot.hash >>> shift) & MASK), [slot]);
      return insert(branch, shift, leaf, out);
    }
    const at = slot.leaves.findIndex((l) => l.key === leaf.key);
    if (at < 0) {
      out.added = true;
      return new Collision(slot.hash, [...slot.leaves, leaf]);
    }
    if (slot.leaves[at]!.value === leaf.value) return slot;
    const leaves = slot.leaves.slice();
    leaves[at] = leaf;
    return new Collision(slot.hash, leaves);
  }
  const bit = 1 << ((leaf.hash >>> shift) & MASK);
  const index = popcount(slot.bitmap & (bit - 1));
  if ((slot.bitmap & bit) === 0) {
    out.added = true;
    const slots = slot.slots.slice();
    slots.splice(index, 0, leaf);
    return new Branch(slot.bitmap | bit, slots);
  }
  const child = slot.slots[index]!;
  const updated = insert(child, shift + BITS, leaf, out);
  return updated === child ? slot : new Branch(slot.bitmap, withSlot(slot.slots, index, updated));
}

/** Removes `key`; returns the same slot when absent, `undefined` when the slot became empty. */
function erase<V>(slot: Slot<V>, shift: number, hash: number, key: string): Slot<V> | undefined {
  if (slot instanceof Leaf) return slot.key === key ? undefined : slot;
  if (slot instanceof Collision) {
    const leaves = slot.leaves.filter((l) => l.key !== key);
    if (leaves.length === slot.leaves.length) return slot;
    return leaves.length === 1 ? leaves[0] : new Collision(slot.hash, leaves);
  }
  const bit = 1 << ((hash >>> shift) & MASK);
  if ((slot.bitmap & bit) === 0) return slot;
  const index = popcount(slot.bitmap & (bit - 1));
  const child = slot.slots[index]!;
  const updated = erase(child, shift + BITS, hash, key);
  if (updated === child) return slot;
  if (updated === undefined) {
    if (slot.slots.length === 1) return undefined;
    const slots = slot.slots.slice();
    slots.splice(index, 1);
    const rest = new Branch(slot.bitmap & ~bit, slots);
    // A branch left with a single leaf collapses into that leaf (one level up).
    return slots.length === 1 && slots[0] instanceof Leaf && shift > 0 ? slots[0] : rest;
  }
  if (slot.slots.length === 1 && !(updated instanceof Branch) && shift > 0) return updated;
  return new Branch(slot.bitmap, withSlot(slot.slots, index, updated));
}

function* leavesOf<V>(slot: Slot<V>): Generator<Leaf<V>> {
  if (slot instanceof Leaf) {
    yield slot;
  } else if (slot instanceof Collision) {
    yield* slot.leaves;
  } else {
    for (const child of slot.slots) yield* leavesOf(child);
  }
}

const EMPTY_ROOT = new Branch<never>(0, []);

/**
 * An immutable map from strings to values. `set` and `delete` return a new
 * map (or the same one when nothing changed).
 *
 * @example A project's containers: every change makes a new map, the old one stays as it was
 * ```ts
 * import { type Container, newContainer, type PersistentMap, Portfolio } from "@whalewatcher/whalewatcher";
 *
 * const portfolio = new Portfolio();
 * portfolio.add(newContainer({ id: "1", name: "web", pid: 101, project: "shop" }));
 * const before: PersistentMap<Container> = portfolio.projectContainers("shop")!;
 * portfolio.add(newContainer({ id: "2", name: "db", pid: 102, project: "shop" }));
 * const after = portfolio.projectContainers("shop")!;
 * console.assert(before.size === 1 && after.size === 2 && after.get("2")?.name === "db");
 * ```
 */
export class PersistentMap<V> {
  readonly #root: Branch<V>;
  readonly #size: number;

  private constructor(root: Branch<V>, size: number) {
    this.#root = root;
    this.#size = size;
  }

  /** Returns the empty map. */
  static empty<V>(): PersistentMap<V> {
    return new PersistentMap<V>(EMPTY_ROOT, 0);
  }

  /** Number of entries. */
  get size(): number {
    return this.#size;
  }

  /** The value stored under `key`, or `undefined`. */
  get(key: string): V | undefined {
    const hash = hashOf(key);
    let slot: Slot<V> = this.#root;
    let shift = 0;
    for (;;) {
      if (slot instanceof Leaf) return slot.key === key ? slot.value : undefined;
      if (slot instanceof Collision) return slot.leaves.find((l) => l.key === key)?.value;
      const bit = 1 << ((hash >>> shift) & MASK);
      if ((slot.bitmap & bit) === 0) return undefined;
      slot = slot.slots[popcount(slot.bitmap & (bit - 1))]!;
      shift += BITS;
    }
  }

  /** Whether `key` is present. */
  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** A map with `key` set to `value` (this map when it already was). */
  set(key: string, value: V): PersistentMap<V> {
    const out = { added: false };
    const root = insert(this.#root, 0, new Leaf(hashOf(key), key, value), out) as Branch<V>;
    return root === this.#root ? this : new PersistentMap(root, this.#size + (out.added ? 1 : 0));
  }

  /** A map without `key` (this map when it was absent). */
  delete(key: string): PersistentMap<V> {
    const root = erase(this.#root, 0, hashOf(key), key);
    if (root === this.#root) return this;
    if (root === undefined) return PersistentMap.empty();
    // Branches collapse only below the root (shift > 0), so the root stays a branch.
    return new PersistentMap(root as Branch<V>, this.#size - 1);
  }

  /** Iterates the keys in hash order. */
  *keys(): IterableIterator<string> {
    for (const leaf of leavesOf(this.#root)) yield leaf.key;
  }

  /** Iterates the values in hash order. */
  *values(): IterableIterator<V> {
    for (const leaf of leavesOf(this.#root)) yield leaf.value;
  }

  /** Iterates `[key, value]` pairs in hash order. */
  *entries(): IterableIterator<[string, V]> {
    for (const leaf of leavesOf(this.#root)) yield [leaf.key, leaf.value];
  }
}
