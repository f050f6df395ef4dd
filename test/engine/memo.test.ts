import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Trap, trapEvent } from "../../lib/engine/events";
import { Machine } from "../../lib/engine/machine";
import { IntKeyTable } from "../../lib/engine/memo-table";
import { defaultModelConfig } from "../../lib/kvm/config";
import { sized } from "../tier";

describe("the memo's integer-keyed table", () => {
  it("maps every stored key to its value, and nothing else, through growth", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { minLength: 5, maxLength: 5 }), { maxLength: 400 }),
        (width, raw) => {
          const t = new IntKeyTable<number>(width, 16);
          const model = new Map<string, number>();
          raw.forEach((words, i) => {
            const k = Int32Array.from(words.slice(0, width));
            t.set(k, i);
            model.set(k.join(","), i);
          });
          expect(t.size).toBe(model.size);
          for (const [ks, v] of model) {
            t.key.set(ks.split(",").map(Number));
            expect(t.get()).toBe(v);
          }
          // keys one word away from a stored key are not found unless stored themselves
          for (const words of raw.slice(0, 50)) {
            const k = Int32Array.from(words.slice(0, width));
            k[width - 1] = (k[width - 1]! + 1) | 0;
            t.key.set(k);
            expect(t.get()).toBe(model.get(k.join(",")));
          }
        },
      ),
      { numRuns: sized(60, 15) },
    );
  });
});

describe("interned trap events", () => {
  it("equal events are one object, of one shape, whatever the field order; the engine accepts plain objects", () => {
    const a = trapEvent({ ec: "DABT_LOW", reason: "s2-shadow", owner: 1 });
    const b = trapEvent({ owner: 1, reason: "s2-shadow", ec: "DABT_LOW" });
    expect(a).toBe(b);
    expect(a).toBeInstanceOf(Trap);
    expect(trapEvent(a)).toBe(a);
    expect(trapEvent({ ec: "DABT_LOW", reason: "s2-shadow", owner: 0 })).not.toBe(a);
    expect(trapEvent({ ec: "SYS64", reason: "sysreg", reg: "HCR_EL2", write: false })).not.toBe(
      trapEvent({ ec: "SYS64", reason: "sysreg", reg: "HCR_EL2", write: true }),
    );
    expect(() => trapEvent({ ec: "SYS64", reason: "nonsense" as "hvc" })).toThrow(/reason/);

    const m1 = new Machine(defaultModelConfig({ depth: 3 }));
    const m2 = new Machine(defaultModelConfig({ depth: 3 }));
    m1.leafTrap({ ec: "HVC64", reason: "hvc" });
    m2.leafTrap(trapEvent({ ec: "HVC64", reason: "hvc" }));
    expect(m1.counters).toEqual(m2.counters);
    expect(m1.cycles).toBe(m2.cycles);
  });
});

describe("replayed deltas, folded on read", () => {
  it("reading the totals after every event, once at the end, or stepping everything give the same totals", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 60 }), fc.boolean(), (ops, nv2) => {
        const cfg = defaultModelConfig({ depth: 3, nv2, patch: [0] });
        const often = new Machine(cfg, { engine: "fast" });
        const once = new Machine(cfg, { engine: "fast" });
        const exact = new Machine(cfg);
        const apply = (m: Machine, op: number): void => {
          if (op === 0) m.leafFp();
          else if (op === 1) m.leafTrap({ ec: "HVC64", reason: "hvc" });
          else if (op === 2) m.leafTrap({ ec: "DABT_LOW", reason: "mmio-user" });
          else if (op === 3) m.leafIrq("irq-timer");
          else m.leafTrap({ ec: "WFx", reason: "wfi" });
        };
        const seen: number[] = [];
        for (const op of ops) {
          apply(often, op);
          apply(once, op);
          apply(exact, op);
          seen.push(often.count(0, "l0Traps"));
        }
        // counts read mid-run are the running totals (monotone, ending at the exact figure)
        expect([...seen].sort((x, y) => x - y)).toEqual(seen);
        for (const m of [often, once]) {
          expect(m.counters).toEqual(exact.counters);
          expect(m.attribution).toEqual(exact.attribution);
          expect(m.fpInclusive).toEqual(exact.fpInclusive);
          expect(m.cycles).toBe(exact.cycles);
        }
        // drain folds too: what it returns is the whole, and the machine restarts from zero
        const d = once.drain();
        expect(d.counters).toEqual(exact.counters);
        expect(once.count(0, "l0Traps")).toBe(0);
      }),
      { numRuns: sized(40, 10) },
    );
  });
});
