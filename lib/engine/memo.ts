import type { ModelConfig } from "../kvm/config";
import type { Trap } from "./events";
import * as memoTable from "./memo-table";
import type { IntKeyTable } from "./memo-table";
import * as observe from "./observe";
import type { FpObserver, LevelState } from "./types";

// hot imports bound to module-local constants (see test/engine/hot-imports.test.ts)
const { IntKeyTable: IntKeyTableClass } = memoTable;
const { dispatchObservation } = observe;

/**
 * The fast engine's memo: a trap's whole handling (counts, cycles, attribution and the state it leaves) is a pure
 * function of the trap and of the state that the handling reads. It is recorded the first time and replayed after,
 * so the exponential recursion is stepped once per distinct state; nested traps inside a recorded one are themselves
 * memoized.
 *
 * What the key holds is derived from the types, so a new field cannot be forgotten:
 * - CONFIG_IN_MEMO_KEY classifies every ModelConfig field (the memo table is shared by machines whose keyed fields
 *   are equal);
 * - LEVEL_STATE_IN_KEY classifies every LevelState field (the packed state of each level the handling touches is in
 *   each trap's key); packLevel/unpackLevel are generated from it.
 * A field added to either type does not compile until it is classified as keyed or as read by no handling, with the
 * reason. Machine-wide state stays out of the key because no memoized handling reads it: the physical CPU and the
 * per-CPU fp_owner (migration is always stepped), preemptOff (a nesting count that no handling reads); lastSgiAt is
 * recorded as an offset and replayed, the FP observer calls as a tape, and the attribution context (mechanism, inside
 * an FP frame) is the key's first word with the event and the trapping level.
 */

/** a field that is not in the key, and why no memoized handling depends on it */
export interface NotInKey {
  readonly notInKey: string;
}

// ---------------------------------------------------------------------------------------------------------------------
// Configuration

/** every field of T classified: "key", or not in the key with the reason */
export type ConfigKeyClassification<T> = { readonly [K in keyof T]-?: "key" | NotInKey };

/** Every ModelConfig field: "key" (in the memo table's key) or not, with the reason. */
export const CONFIG_IN_MEMO_KEY: ConfigKeyClassification<ModelConfig> = {
  depth: "key",
  nv2: "key",
  ecv: "key",
  guestHyp: "key",
  patch: "key",
  sveVl: "key",
  el2Vtimer: "key",
  physOffset: "key",
  fgt: "key",
  nv2p1: "key",
  vpmu: "key",
  lrs: "key",
  costs: "key",
  fpPolicy: "key",
  changes: "key",
};
const CONFIG_KEY_FIELDS = (Object.keys(CONFIG_IN_MEMO_KEY) as (keyof ModelConfig)[]).filter((f) => CONFIG_IN_MEMO_KEY[f] === "key");

/** the key of a configuration's memo table (configurations with equal keys share records) */
export function configMemoKey(cfg: ModelConfig): string {
  return JSON.stringify(CONFIG_KEY_FIELDS.map((f) => cfg[f] ?? null));
}

// ---------------------------------------------------------------------------------------------------------------------
// Level state

/** how a keyed field packs: a flag (1 bit) or one of a list of values (enough bits for its index) */
export type Packing<T> = [T] extends [boolean] ? "flag" : readonly T[];

/** every field of T classified: how it packs, or not in the key with the reason */
export type StateKeyClassification<T> = { readonly [K in keyof T]-?: Packing<T[K]> | NotInKey };

/** Every LevelState field, in packing order (low bits first): how it packs, or why it is not in the key. */
export const LEVEL_STATE_IN_KEY: StateKeyClassification<LevelState> = {
  ctx: ["hyp", "nested", "guest"],
  guestOwnsFp: "flag",
  foreignFp: "flag",
  bound: ["none", "host", "vcpu"],
  inNestedEret: "flag",
  inNestedException: "flag",
  patched: { notInKey: "configuration (ModelConfig.patch), in the memo table's key" },
  lrInUse: "flag",
  timerMap: ["hyp", "nested", "guest"],
  hostMode: "flag",
  zcrAtGuestVl: "flag",
  neonInWindow: "flag",
  debugOwner: ["free", "guest"],
};

interface PackedField {
  readonly name: string;
  readonly shift: number;
  readonly bits: number;
  readonly values: readonly string[] | null;
}

const PACKED: PackedField[] = [];
let bitsUsed = 0;
for (const [name, p] of Object.entries(LEVEL_STATE_IN_KEY) as [string, "flag" | readonly string[] | NotInKey][]) {
  if (typeof p === "object" && !Array.isArray(p)) continue;
  const values = p === "flag" ? null : (p as readonly string[]);
  const bits = values === null ? 1 : Math.max(1, Math.ceil(Math.log2(values.length)));
  PACKED.push({ name, shift: bitsUsed, bits, values });
  bitsUsed += bits;
}
/** bits of one level's packed state */
export const LEVEL_BITS = bitsUsed;
/** levels packed into one 32-bit key word */
export const LEVELS_PER_WORD = Math.floor(31 / LEVEL_BITS);
if (LEVELS_PER_WORD < 1) throw new Error(`a level's packed state (${LEVEL_BITS} bits) does not fit a key word`);

/**
 * The source of packLevel and unpackLevel, generated from LEVEL_STATE_IN_KEY: straight-line comparisons and bit
 * operations, as fast as hand-written code on this hot path (a loop over the descriptors with keyed property loads
 * measured several times slower).
 */
export const PACK_SOURCE = ((): { pack: string; unpack: string } => {
  const pack = PACKED.map((f) => {
    if (f.values === null) return `(l.${f.name} ? ${1 << f.shift} : 0)`;
    const idx = f.values.slice(0, -1).reduceRight((acc, v, i) => `l.${f.name} === ${JSON.stringify(v)} ? ${i} : ${acc}`, String(f.values.length - 1));
    return `((${idx}) << ${f.shift})`;
  });
  const unpack = PACKED.map((f, i) =>
    f.values === null
      ? `l.${f.name} = (v & ${1 << f.shift}) !== 0;`
      : `l.${f.name} = V[${i}][(v >> ${f.shift}) & ${(1 << f.bits) - 1}];`,
  );
  return { pack: `return ${pack.join(" |\n  ")};`, unpack: unpack.join("\n") };
})();

/** Everything in a level's state that the handling of a trap can read, as an integer of LEVEL_BITS bits. */
// eslint-disable-next-line @typescript-eslint/no-implied-eval
export const packLevel = new Function("l", PACK_SOURCE.pack) as (l: LevelState) => number;
/** Sets a level's keyed fields from its packed state. */
export const unpackLevel = (new Function("V", `return function unpackLevel(l, v) {\n${PACK_SOURCE.unpack}\n};`) as (
  values: readonly (readonly string[] | null)[],
) => (l: LevelState, v: number) => void)(PACKED.map((f) => f.values));

/**
 * How many levels (0..n-1) the handling of trap `ev` from level k reads or writes: the levels below k, which take and
 * forward it; level k itself, whose list registers a nested load or put below it writes into the hardware
 * (vgic-v3-nested.c: lib/kvm/vgic.ts shadowLrs); and for an nVHE host kernel's HVC into its own hyp (owner = k)
 * level k, whose hyp half switches it out of host mode.
 */
export function touchedLevels(k: number, ev: Trap, depth: number): number {
  const top = ev.owner !== undefined && ev.owner >= k ? ev.owner + 1 : k + 1;
  return Math.min(top, depth);
}

// ---------------------------------------------------------------------------------------------------------------------
// Records

export interface MemoRecord {
  /** the FP observer calls the handling made, in order (see Machine.observe); -i - 1 stands for children[i]'s */
  readonly tape: Int32Array;
  readonly children: readonly MemoRecord[];
  /** index of the record in its table (per-machine replay counts are kept by it) */
  readonly no: number;
  readonly cycles: number;
  /** sparse delta of the flat totals: indices and values */
  readonly idx: Int32Array;
  readonly val: Float64Array;
  readonly endState: readonly number[];
  readonly sgiOffset: number;
}

/** feeds the FP observer calls a record stands for, in order, to the oracle; returns how many */
export function replayTape(o: FpObserver, rec: MemoRecord): number {
  const tape = rec.tape;
  let calls = 0;
  for (let n = 0; n < tape.length; n++) {
    const code = tape[n]!;
    if (code >= 0) {
      dispatchObservation(o, code);
      calls++;
    } else calls += replayTape(o, rec.children[-code - 1]!);
  }
  return calls;
}

/**
 * Memo tables shared across machines (e.g. the runs of a sweep that differ only in workload, I/O rate or seed): a
 * record depends on the configuration's keyed fields, which together form the table's key. Bounded: a configuration
 * has at most a few thousand distinct trap states.
 */
const MEMOS = new Map<string, IntKeyTable<MemoRecord>>();
const MAX_SHARED_MEMOS = 64;

export function memoFor(cfg: ModelConfig): IntKeyTable<MemoRecord> {
  const key = configMemoKey(cfg);
  let m = MEMOS.get(key);
  if (!m) {
    if (MEMOS.size >= MAX_SHARED_MEMOS) MEMOS.delete(MEMOS.keys().next().value as string);
    // key: one word (event, level, context) + the packed states of up to `depth` levels
    m = new IntKeyTableClass<MemoRecord>(1 + Math.ceil(cfg.depth / LEVELS_PER_WORD));
    MEMOS.set(key, m);
  }
  return m;
}

/**
 * One machine's use of a shared memo table: the key of the trap at hand, the replays counted since the last fold (their
 * deltas are added to the totals on the next read: hits x delta is exact while totals stay < 2^53), and the tape of FP
 * observer calls made while records are being made. A nested record's calls enter the tape as one reference (a
 * negative entry: -(index into tapeRefs) - 1), so a record stores only its own direct calls and references to the
 * records it contains: memory stays linear although the calls a deep record stands for grow like the traps do.
 */
export class TrapMemo {
  readonly table: IntKeyTable<MemoRecord>;
  /** records being made now (nested) */
  recording = 0;
  private readonly tape: number[] = [];
  private readonly tapeRefs: MemoRecord[] = [];
  private hits = new Float64Array(256);
  private readonly dirty: MemoRecord[] = [];
  private nDirty = 0;

  constructor(cfg: ModelConfig) {
    this.table = memoFor(cfg);
  }

  /** Writes the key of a trap from level k (context word: mechanism and FP-frame bit) into the table's key buffer. */
  writeKey(k: number, context: number, ev: Trap, levels: readonly LevelState[], depth: number): void {
    const key = this.table.key;
    key.fill(0);
    key[0] = k | (context << 4) | (ev.id << 8);
    const top = touchedLevels(k, ev, depth);
    for (let j = 0; j < top; j++) key[1 + ((j / LEVELS_PER_WORD) | 0)]! |= packLevel(levels[j]!) << ((j % LEVELS_PER_WORD) * LEVEL_BITS);
  }

  /** counts one replay of rec (its delta is folded in on the next read) */
  hit(rec: MemoRecord): void {
    const no = rec.no;
    if (no >= this.hits.length) {
      const h = new Float64Array(Math.max(no + 1, this.hits.length * 2));
      h.set(this.hits);
      this.hits = h;
    }
    if (this.hits[no]!++ === 0) this.dirty[this.nDirty++] = rec;
  }

  /** adds the deltas of the replays counted since the last fold to the totals */
  fold(acc: Float64Array): void {
    for (let d = 0; d < this.nDirty; d++) {
      const rec = this.dirty[d]!;
      const h = this.hits[rec.no]!;
      this.hits[rec.no] = 0;
      const idx = rec.idx;
      const val = rec.val;
      for (let n = 0; n < idx.length; n++) acc[idx[n]!]! += val[n]! * h;
    }
    this.nDirty = 0;
  }

  /** an FP observer call made while recording */
  tapeCall(code: number): void {
    this.tape.push(code);
  }

  /** an enclosing recording's tape gets one reference to rec's calls */
  tapeRef(rec: MemoRecord): void {
    this.tapeRefs.push(rec);
    this.tape.push(-this.tapeRefs.length);
  }

  /** starts a record: returns where its tape begins */
  begin(): number {
    this.recording++;
    return this.tape.length;
  }

  /** ends a record begun at tapeStart: its own tape, with its nested records as references into its children */
  endTape(tapeStart: number): { tape: Int32Array; children: MemoRecord[] } {
    this.recording--;
    const children: MemoRecord[] = [];
    const tape = Int32Array.from(this.tape.slice(tapeStart), (code) => {
      if (code >= 0) return code;
      children.push(this.tapeRefs[-code - 1]!);
      return -children.length;
    });
    this.tape.length = tapeStart;
    if (this.recording === 0) this.tapeRefs.length = 0;
    return { tape, children };
  }
}
