import { describe, expect, it } from "vitest";
import { runCli } from "../../lib/cli/main";
import { checkConfig, checkExhaustive, checkRandom, runSchedule } from "../../lib/oracle/check";

/** Every unsound variant is caught, with a shrunk counterexample that is minimal (no step can be dropped). */
describe("unsound variants are caught", () => {
  const cases = [
    { policy: "elide-always", depth: 2, sveVl: 0 },
    { policy: "elide-save-only", depth: 2, sveVl: 0 },
    { policy: "no-zcr-reset", depth: 2, sveVl: 512 },
    { policy: "elide-always", depth: 3, sveVl: 2048 },
  ] as const;
  for (const c of cases) {
    it(`${c.policy} at depth ${c.depth}, sve-vl ${c.sveVl}`, () => {
      const cfg = checkConfig(c.depth, c.policy, { sveVl: c.sveVl });
      const r = checkRandom(cfg, { steps: 5000, seed: 1 });
      expect(r.violations).toBeGreaterThan(0);
      const fv = r.firstViolation!;
      expect(fv.schedule.length).toBeLessThanOrEqual(4);
      expect(runSchedule(cfg, fv.schedule).at).toBeGreaterThanOrEqual(0);
      for (let i = 0; i < fv.schedule.length; i++) {
        const fewer = [...fv.schedule.slice(0, i), ...fv.schedule.slice(i + 1)];
        expect(runSchedule(cfg, fewer).at).toBe(-1);
      }
      expect(fv.text).toMatch(/read .* instead of its own/);
    });
  }

  it("exhaustive mode finds the shortest counterexample too", () => {
    const r = checkExhaustive(checkConfig(2, "elide-always"), 2);
    expect(r.violations).toBeGreaterThan(0);
    expect(r.firstViolation!.schedule).toEqual(["leaf-fp", "mmio-user"]);
  });

  it("no-zcr-reset is sound without SVE (nothing to truncate) and caught with it", () => {
    expect(checkRandom(checkConfig(2, "no-zcr-reset"), { steps: 20000, seed: 2 }).violations).toBe(0);
    expect(checkRandom(checkConfig(2, "no-zcr-reset", { sveVl: 1024 }), { steps: 20000, seed: 2 }).violations).toBeGreaterThan(0);
  });

  it("patch none makes any policy the baseline", () => {
    expect(checkRandom(checkConfig(2, "elide-always", { patch: [] }), { steps: 20000, seed: 3 }).violations).toBe(0);
  });
});

describe("nestlab check (command line)", () => {
  async function cli(...argv: string[]) {
    let out = "";
    let err = "";
    const code = await runCli(argv, { out: (t) => void (out += t), err: (t) => void (err += t) });
    return { code, out, err };
  }
  it("--json prints policy, steps, violations, firstViolation; exit 3 when a violation is found, 0 when none", async () => {
    const r = await cli("check", "--policy", "elide-save-only", "--steps", "500", "--depth", "2", "--json");
    expect(r.code).toBe(3);
    expect(r.err).toBe("");
    const j = JSON.parse(r.out) as Record<string, unknown>;
    for (const f of ["policy", "steps", "violations", "firstViolation"]) expect(j).toHaveProperty(f);
    expect(j.steps).toBe(500);
    expect(j.violations).toBeGreaterThan(0);
    const clean = await cli("check", "--exhaustive", "--max-len", "2", "--json");
    expect(clean.code).toBe(0);
    const ok = JSON.parse(clean.out) as { violations: number; firstViolation: unknown };
    expect(ok.violations).toBe(0);
    // the text form exits 3 too
    const text = await cli("check", "--policy", "elide-save-only", "--steps", "500", "--depth", "2");
    expect(text.code).toBe(3);
    expect(text.out).toMatch(/violations: [1-9]/);
    expect(ok.firstViolation).toBeNull();
  });
  it("bad input exits 2 naming the field", async () => {
    expect((await cli("check", "--policy", "yolo")).err).toMatch(/--policy 'yolo'.*baseline, nv-fp-elision/);
    expect((await cli("check", "--exhaustive", "--max-len", "9")).err).toMatch(/--max-len '9'/);
    expect((await cli("check", "--steps", "10", "--exhaustive")).code).toBe(2);
    expect((await cli("check", "--max-len", "2")).err).toMatch(/--max-len/);
    // the exact engine refuses a configuration beyond its budget instead of running for hours; the fast one runs it
    const deep = await cli("check", "--depth", "5", "--no-nv2", "--steps", "10", "--engine", "exact");
    expect(deep.code).toBe(2);
    expect(deep.err).toMatch(/budget.*--engine fast/);
    const fast = await cli("check", "--depth", "5", "--no-nv2", "--steps", "10", "--json");
    expect(fast.code).toBe(0);
    expect(JSON.parse(fast.out)).toMatchObject({ engine: "fast", violations: 0 });
    expect((await cli("check", "--engine", "quick")).err).toMatch(/--engine 'quick'.*fast, exact/);
  });
});
