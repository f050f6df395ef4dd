import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { defaultCosts } from "../../lib/costs/table";
import { applyHostEvent, applyLeafEvent, LEAF_EVENTS } from "../../lib/engine/leaf";
import { Machine } from "../../lib/engine/machine";
import { subscribe } from "../../lib/trace/bus";
import { defaultModelConfig } from "../../lib/kvm/config";
import { MICRO_OPS, type MicroOp, runMicro } from "../../lib/micro/micro";
import { record } from "../helpers";
import { sized } from "../tier";

const all = (d: number): number[] => Array.from({ length: d }, (_, i) => i);

function micro(depth: number, op: MicroOp, o: { nv2?: boolean; patch?: number[]; sveVl?: number; leafFp?: boolean; ecv?: boolean } = {}) {
  return runMicro(
    defaultModelConfig({ depth, nv2: o.nv2 ?? true, ecv: o.ecv ?? true, patch: o.patch ?? all(depth), sveVl: o.sveVl ?? 0 }),
    { op, iterations: 3, leafFp: o.leafFp ?? false },
  );
}

describe("mechanism properties", () => {
  it("depth 1: --patch none and --patch all give identical results (no nested transitions)", () => {
    for (const op of MICRO_OPS) {
      for (const leafFp of [false, true]) {
        const a = micro(1, op, { patch: [], leafFp });
        const b = micro(1, op, { patch: [0], leafFp });
        expect(b).toEqual(a);
        expect(a.nestedExceptions + a.nestedErets).toBe(0);
      }
    }
  });

  it("the leaf's own hypervisor L(d-1) carrying the patch or not changes nothing, at every depth", () => {
    for (const depth of [2, 3, 4]) {
      for (const op of ["hvc", "mmio-user"] as const) {
        for (const nv2 of depth <= 3 ? [true, false] : [true]) {
          const withTop = micro(depth, op, { nv2, patch: all(depth), leafFp: true });
          const withoutTop = micro(depth, op, { nv2, patch: all(depth - 1), leafFp: true });
          expect(withoutTop).toEqual(withTop);
        }
      }
    }
  });

  it("trap amplification grows with depth, and NV2 reduces L0 traps", () => {
    for (const op of ["hvc", "mmio-kernel"] as const) {
      let prev = 0;
      for (let d = 1; d <= 5; d++) {
        const r = micro(d, op);
        expect(r.l0Traps).toBeGreaterThan(prev);
        // superlinear: each level multiplies the work of the one below
        if (d >= 3) expect(r.l0Traps).toBeGreaterThan(2 * prev);
        prev = r.l0Traps;
      }
      for (let d = 2; d <= 4; d++) expect(micro(d, op, { nv2: false }).l0Traps).toBeGreaterThan(micro(d, op).l0Traps);
      expect(micro(1, op, { nv2: false })).toEqual(micro(1, op));
    }
  });

  it("a larger SVE VL changes only FP save/restore and ZCR work", () => {
    for (const depth of [1, 2, 3]) {
      // no FP use anywhere: the VL is irrelevant
      const base = micro(depth, "hvc", { sveVl: 0 });
      for (const vl of [128, 512, 2048]) expect(micro(depth, "hvc", { sveVl: vl })).toEqual(base);
      // with FP use: the non-FP, non-ZCR traps are the same trap for trap
      const traps = (vl: number): string[] => {
        const m = new Machine(defaultModelConfig({ depth, sveVl: vl, patch: [] }));
        for (let i = 0; i < 2; i++) {
          m.leafFp();
          m.leafTrap({ ec: "HVC64", reason: "hvc" });
        }
        const out: string[] = [];
        let reg = ""; // a trapped system register access is reported just before its trap
        for (const r of record(m, () => {
          m.leafFp();
          m.leafTrap({ ec: "HVC64", reason: "hvc" });
        })) {
          if (r.name === "sysreg_trap") {
            reg = r.fields.reg;
            continue;
          }
          if (r.name === "trap_begin" && !r.fields.fp_work && r.fields.reason !== "fp") out.push(`${r.level}>${r.fields.owner} ${r.fields.reason} ${reg}`);
          reg = "";
        }
        return out;
      };
      const t0 = traps(0);
      for (const vl of [128, 2048]) expect(traps(vl)).toEqual(t0);
    }
  });

  it("FP bytes moved scale with the vector length (546 * VL/128 per save or restore)", () => {
    const a = micro(3, "hvc", { sveVl: 512, patch: [], leafFp: true });
    const l0 = a.byLevel[0]!;
    expect(l0.fpBytes).toBeCloseTo((l0.fpSaves + l0.fpRestores + l0.hostFpSaves + l0.hostFpRestores) * 2184, 6);
  });

  it("the patch elides exactly the put_fp/load_fp calls of nested transitions at patched levels", () => {
    for (const depth of [2, 3, 4]) {
      for (const op of ["hvc", "mmio-user", "timer"] as const) {
        const r = micro(depth, op, { leafFp: true });
        for (const l of r.byLevel) {
          expect(l.fpSavesElided).toBe(l.nestedExceptions + l.nestedErets);
          expect(l.fpLoadsElided).toBe(l.nestedExceptions + l.nestedErets);
        }
        const u = micro(depth, op, { leafFp: true, patch: [] });
        for (const l of u.byLevel) expect(l.fpSavesElided + l.fpLoadsElided).toBe(0);
        // the patch never adds FP saves or FP traps
        expect(r.fpSaves).toBeLessThanOrEqual(u.fpSaves);
        expect(r.fpTraps).toBeLessThanOrEqual(u.fpTraps);
      }
    }
  });

  it("stepping every op (vncr_access traced) and the folded fast path agree exactly", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom(0, 128, 2048),
        fc.array(fc.constantFrom("hvc", "mmio-kernel", "mmio-user", "timer", "fp"), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 0, max: 7 }),
        fc.boolean(),
        (depth, nv2, ecv, sveVl, ops, patchMask, nvheIfDepth2) => {
          const patch = all(depth).filter((l) => (patchMask >> l) & 1);
          const guestHyp = nvheIfDepth2 && depth === 2 ? "nvhe" : "vhe";
          const cfg = defaultModelConfig({ depth, nv2, ecv, sveVl, patch, guestHyp, costs: defaultCosts() });
          const a = new Machine(cfg);
          const b = new Machine(cfg);
          subscribe(b, "vncr_access", () => {});
          for (const m of [a, b]) {
            for (const op of ops) {
              if (op === "fp") m.leafFp();
              else if (op === "timer") m.leafIrq("irq-timer");
              else m.leafTrap({ ec: op === "hvc" ? "HVC64" : "DABT_LOW", reason: op });
            }
          }
          expect(b.cycles).toBe(a.cycles);
          expect(b.counters).toEqual(a.counters);
          expect(b.attribution).toEqual(a.attribution);
        },
      ),
      { numRuns: sized(60, 15), seed: 7 },
    );
  });

  it("random schedules keep the vcpu contexts consistent and counters exact integers", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.constantFrom("hvc", "mmio-kernel", "mmio-user", "timer", "ipi-recv", "fp"), { maxLength: 20 }),
        (depth, ops) => {
          const m = new Machine(defaultModelConfig({ depth, patch: [] }));
          for (const op of ops) {
            if (op === "fp") m.leafFp();
            else if (op === "timer") m.leafIrq("irq-timer");
            else if (op === "ipi-recv") m.leafIrq("irq-ipi");
            else m.leafTrap({ ec: op === "hvc" ? "HVC64" : "DABT_LOW", reason: op });
            // between leaf events every hypervisor below the leaf's is in nested context
            m.levels.forEach((l, j) => expect(l.ctx).toBe(j === depth - 1 ? "guest" : "nested"));
          }
          for (const c of m.counters) {
            for (const v of Object.values(c)) if (typeof v === "number") expect(Number.isSafeInteger(v)).toBe(true);
            expect(c.nestedExceptions).toBe(c.nestedErets);
          }
          expect(m.counters[0]!.l0Traps).toBe(m.counters[0]!.exits);
        },
      ),
      { numRuns: sized(80, 20), seed: 11 },
    );
  });
});

describe("fast engine (memoized trap handling)", () => {
  it("agrees with the exact engine on every count, cycle and attribution over random schedules and configs", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom(0, 256, 2048),
        fc.boolean(),
        fc.integer({ min: 0, max: 15 }),
        fc.array(fc.oneof(fc.constantFrom(...LEAF_EVENTS), fc.tuple(fc.constantFrom("tick", "preempt", "neon"), fc.nat(7))), { minLength: 1, maxLength: 16 }),
        fc.boolean(),
        fc.boolean(),
        (depth, nv2, ecv, sveVl, el2Vtimer, patchMask, ops, nvheIfDepth2, physOffset) => {
          if (!nv2 && depth > 3) return;
          const patch = all(depth).filter((l) => (patchMask >> l) & 1);
          const guestHyp = nvheIfDepth2 && depth === 2 ? "nvhe" : "vhe";
          const cfg = defaultModelConfig({ depth, nv2, ecv, sveVl, el2Vtimer, patch, guestHyp, physOffset });
          const exact = new Machine(cfg);
          const fast = new Machine(cfg, { engine: "fast" });
          for (const m of [exact, fast]) {
            for (const op of ops) {
              // a leaf event, or a host event owned by one of the hypervisor levels
              if (typeof op === "string") applyLeafEvent(m, op);
              else applyHostEvent(m, op[0], op[1] % depth);
            }
          }
          expect(fast.cycles).toBe(exact.cycles);
          expect(fast.counters).toEqual(exact.counters);
          expect(fast.attribution).toEqual(exact.attribution);
          expect(fast.fpInclusive).toEqual(exact.fpInclusive);
          expect(fast.levels).toEqual(exact.levels);
        },
      ),
      { numRuns: sized(150, 30), seed: 23 },
    );
  });

  it("micro gives identical results with either engine", () => {
    for (const op of MICRO_OPS) {
      for (const depth of [2, 4]) {
        const cfg = defaultModelConfig({ depth, patch: [0], sveVl: 512 });
        const a = runMicro(cfg, { op, iterations: 2, leafFp: true, engine: "exact" });
        const b = runMicro(cfg, { op, iterations: 2, leafFp: true, engine: "fast" });
        expect(b).toEqual(a);
      }
    }
  });
});

describe("EL2 virtual timer and the physical counter offset", () => {
  it("the EL2 virtual timer changes nothing with a zero physical offset, and removes the trapped counter reads with one", () => {
    const m = (o: { el2Vtimer?: boolean; physOffset?: boolean; ecv?: boolean }) =>
      runMicro(defaultModelConfig({ depth: 4, patch: [], ...o }), { op: "hvc", iterations: 2, leafFp: false });
    expect(m({ el2Vtimer: true })).toEqual(m({}));
    // with an offset, levels without CNTPOFF below them trap their physical counter reads
    expect(m({ physOffset: true }).l0Traps).toBeGreaterThan(m({}).l0Traps);
    expect(m({ physOffset: true, el2Vtimer: true })).toEqual(m({}));
    // without FEAT_ECV, L0 has no CNTPOFF either: L1's reads trap too
    expect(m({ physOffset: true, ecv: false }).l0Traps).toBeGreaterThan(m({ ecv: false }).l0Traps);
  });
});
