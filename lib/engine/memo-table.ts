/**
 * An open-addressing hash table from fixed-length integer keys to values, for the fast engine's memo: a lookup
 * writes its key into `key` (a reusable buffer), then calls get(); nothing is allocated per lookup. Keys are
 * compared word by word, so distinct states never collide into one record.
 */
export class IntKeyTable<V> {
  /** the key of the next get/set: fill words 0..width-1 */
  readonly key: Int32Array;
  private keys: Int32Array;
  private vals: (V | undefined)[];
  private mask: number;
  private count = 0;

  constructor(readonly width: number, capacity = 1024) {
    let cap = 16;
    while (cap < capacity) cap *= 2;
    this.key = new Int32Array(width);
    this.keys = new Int32Array(cap * width);
    this.vals = new Array<V | undefined>(cap);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  private static hash(k: Int32Array, off: number, width: number): number {
    let h = 0x811c9dc5 | 0;
    for (let i = 0; i < width; i++) {
      h = Math.imul(h ^ k[off + i]!, 0x01000193);
      h ^= h >>> 15;
    }
    return h >>> 0;
  }

  /** the slot holding `key` (found) or the empty slot where it would go */
  private slot(k: Int32Array): number {
    const w = this.width;
    let i = IntKeyTable.hash(k, 0, w) & this.mask;
    for (;;) {
      if (this.vals[i] === undefined) return i;
      const off = i * w;
      let eq = true;
      for (let n = 0; n < w; n++) {
        if (this.keys[off + n] !== k[n]) {
          eq = false;
          break;
        }
      }
      if (eq) return i;
      i = (i + 1) & this.mask;
    }
  }

  /** the value stored under the words in `key`, if any */
  get(): V | undefined {
    return this.vals[this.slot(this.key)];
  }

  /** stores v under the words of `k` (a copy of a key taken before the buffer was reused) */
  set(k: Int32Array, v: V): void {
    if ((this.count + 1) * 2 > this.vals.length) this.grow();
    const i = this.slot(k);
    if (this.vals[i] === undefined) this.count++;
    this.keys.set(k.subarray(0, this.width), i * this.width);
    this.vals[i] = v;
  }

  private grow(): void {
    const w = this.width;
    const oldKeys = this.keys;
    const oldVals = this.vals;
    const cap = oldVals.length * 2;
    this.keys = new Int32Array(cap * w);
    this.vals = new Array<V | undefined>(cap);
    this.mask = cap - 1;
    this.count = 0;
    for (let i = 0; i < oldVals.length; i++) {
      const v = oldVals[i];
      if (v !== undefined) this.set(oldKeys.subarray(i * w, (i + 1) * w), v);
    }
  }
}
