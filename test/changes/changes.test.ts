import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BUILTIN_CHANGES, FP_ELISION } from "../../lib/changes/builtin";
import { candidates } from "../../lib/changes/candidates";
import { type Change, touchesFp, validateChange } from "../../lib/changes/change";
import { CLS_HARDWARE, compilePath, SEG_NONE } from "../../lib/engine/compile";
import { defaultModelConfig } from "../../lib/kvm/config";
import { PATHS } from "../../lib/kvm/paths";
import { runMicro } from "../../lib/micro/micro";
import { runWorkload } from "../../lib/run/run";
import { planSweep } from "../../lib/sweep/grid";
import { PROFILES } from "../../lib/workload/profiles";
import { cli } from "../cli/harness";

const dir = mkdtempSync(join(tmpdir(), "nestlab-changes-"));
let n = 0;
/** a change file holding `obj` (JSON text when a string) */
function file(obj: unknown): string {
  const p = join(dir, `c${n++}.json`);
  writeFileSync(p, typeof obj === "string" ? obj : JSON.stringify(obj));
  return p;
}

const VALID = {
  name: "test-pmu",
  title: "drop the PMU trap switch at L0 in nested transitions",
  origin: "hypothetical",
  rationale: "a synthetic change whose effect is known exactly",
  levels: [0],
  edits: [
    { step: "pmuTrapsPut", action: "drop", when: "IN_NESTED" },
    { step: "pmuTrapsLoad", action: "drop", when: "IN_NESTED" },
  ],
};

/** the folded cycles of a path on hardware (L0), which must hold no trap, step or call */
function hardwareCost(p: (typeof PATHS)[keyof typeof PATHS]): number {
  const costs = defaultModelConfig().costs;
  const segs = compilePath(CLS_HARDWARE, p, costs, true, true);
  for (const s of segs) expect(s.kind).toBe(SEG_NONE);
  return segs.reduce((t, s) => t + s.cost, 0);
}

describe("a synthetic change whose effect is known exactly", () => {
  const change = validateChange(VALID, "test");
  // At depth 2 only L0 makes nested transitions (L1's guest is the leaf); each is one put and one load, whose PMU
  // parts on hardware are folded writes. Dropping them saves exactly their cycles per transition, and no trap.
  const perTransition = hardwareCost(PATHS.pmuDeactivate) + hardwareCost(PATHS.pmuActivate);

  for (const engine of ["fast", "exact"] as const) {
    it(`saves (nested exceptions + nested ERETs at L0) x the PMU switch's cycles (${engine} engine)`, () => {
      const base = defaultModelConfig({ depth: 2 });
      const o = { op: "hvc" as const, iterations: 8, leafFp: true, engine };
      const b = runMicro(base, o);
      const c = runMicro({ ...base, changes: [{ change, levels: [0] }] }, o);
      const l0 = b.byLevel[0]!;
      const transitions = l0.nestedExceptions + l0.nestedErets;
      expect(transitions).toBeGreaterThan(0);
      expect(b.cycles - c.cycles).toBeCloseTo(transitions * perTransition, 9);
      expect(c.l0Traps).toBe(b.l0Traps);
      expect(c.nestedErets).toBe(b.nestedErets);
    });
  }

  it("the same change from a file on the command line gives the same figure", async () => {
    const f = file(VALID);
    const with_ = JSON.parse((await cli("micro", "hvc", "--depth", "2", "--leaf-fp", "--json", "--change", f)).out);
    const without = JSON.parse((await cli("micro", "hvc", "--depth", "2", "--leaf-fp", "--json")).out);
    const l0 = without.byLevel[0];
    expect(without.cycles - with_.cycles).toBeCloseTo((l0.nestedExceptions + l0.nestedErets) * perTransition, 9);
    expect(with_.changes).toEqual([{ name: "test-pmu", origin: "hypothetical", levels: [0] }]);
    expect(without.changes).toBeUndefined();
  });

  it("fast and exact engines agree under every shipped change at depth 3", () => {
    for (const c of BUILTIN_CHANGES.values()) {
      const model = defaultModelConfig({ depth: 3, changes: c === FP_ELISION ? [] : [{ change: c, levels: [0, 1, 2] }] });
      const o = { model, profile: PROFILES["io-heavy"]!, durationMs: 3, seed: 2, clockGhz: 3, hostPreemptRate: 200, hostNeonRate: 200 };
      const f = runWorkload({ ...o, engine: "fast" });
      const x = runWorkload({ ...o, engine: "exact" });
      expect(f.cycles, c.name).toBe(x.cycles);
      expect(f.l0Traps, c.name).toBe(x.l0Traps);
    }
  });
});

describe("--patch is the FP-elision change's shorthand", () => {
  it("compare with --change nv-fp-elision[@L] is compare with --patch [L], figure for figure", async () => {
    for (const [change, patch] of [["nv-fp-elision", []], ["nv-fp-elision@1", ["--patch", "1"]]] as const) {
      const a = JSON.parse((await cli("compare", "--depth", "3", "--duration-ms", "20", "--json", "--change", change)).out);
      const b = JSON.parse((await cli("compare", "--depth", "3", "--duration-ms", "20", "--json", ...patch)).out);
      delete a.changes;
      expect(a).toEqual(b);
    }
  });

  it("the FP-elision change is data: drop putFp and loadFp under IN_NESTED", () => {
    expect(FP_ELISION.edits).toEqual([
      { step: "putFp", action: "drop", when: "IN_NESTED" },
      { step: "loadFp", action: "drop", when: "IN_NESTED" },
    ]);
  });

  it("compare --change X runs the baseline without X (and with --patch's levels)", async () => {
    const r = JSON.parse((await cli("compare", "--depth", "3", "--duration-ms", "20", "--json", "--exit-window-ms", "0", "--change", "nv-pmu-elision")).out);
    // the run's configuration block is the run command's own (compare carries one for the pair)
    const { config: _config, ...plain } = JSON.parse((await cli("run", "--depth", "3", "--duration-ms", "20", "--json")).out) as Record<string, unknown>;
    expect(r.baseline).toEqual(plain);
    expect(BigInt(r.patched.cycles)).toBeLessThan(BigInt(r.baseline.cycles));
  });
});

describe("malformed change files: one line naming --change and the member, exit 2", () => {
  const edit = VALID.edits[0]!;
  const withEdit = (e: unknown): unknown => ({ ...VALID, edits: [e] });
  const cases: [string, unknown, RegExp][] = [
    ["not JSON", '{"name": ', /a JSON file|JSON/],
    ["not an object", "[1,2]", /an object with name, title/],
    ["unknown field", { ...VALID, nosuch: 1 }, /nosuch.*change fields/],
    ["missing field", { ...VALID, rationale: undefined }, /missing: rationale/],
    ["bad name", { ...VALID, name: "Bad Name" }, /name=Bad Name.*lowercase/],
    ["empty origin", { ...VALID, origin: "" }, /origin=.*hypothetical/],
    ["bad levels", { ...VALID, levels: [0, 0] }, /levels=.*distinct hypervisor levels/],
    ["empty edits", { ...VALID, edits: [] }, /edits=\[\].*non-empty list/],
    ["edit not an object", withEdit(3), /edits\[0\]=3/],
    ["edit unknown field", withEdit({ ...edit, nosuch: 1 }), /edits\[0\]\.nosuch.*edit fields/],
    ["edit without target", withEdit({ action: "drop" }), /exactly one target/],
    ["edit with both targets", withEdit({ ...edit, path: "vcpuPut" }), /exactly one target/],
    ["unknown step", withEdit({ ...edit, step: "putFpp" }), /edits\[0\]\.step=putFpp.*did you mean putFp/],
    ["unknown path", withEdit({ path: "vcpuPutt", action: "drop" }), /edits\[0\]\.path=vcpuPutt.*a path name/],
    ["unknown action", withEdit({ ...edit, action: "delete" }), /edits\[0\]\.action=delete.*drop, guard, replace/],
    ["unknown condition", withEdit({ ...edit, when: "IN_NESTED_ERETT" }), /edits\[0\]\.when=IN_NESTED_ERETT.*IN_NESTED_EXCEPTION/],
    ["guard always", withEdit({ ...edit, action: "guard", when: "always" }), /other than always for guard/],
    ["replace on a path", withEdit({ path: "vcpuPut", action: "replace", with: "putFp" }), /replace applies to steps/],
    ["replace without with", withEdit({ ...edit, action: "replace" }), /edits\[0\]\.with.*replacement step/],
    ["replace with itself", withEdit({ ...edit, action: "replace", with: "pmuTrapsPut" }), /other than the one replaced/],
    ["with without replace", withEdit({ ...edit, with: "putFp" }), /no `with` unless action is replace/],
  ];
  for (const [what, obj, re] of cases) {
    it(what, async () => {
      const f = file(typeof obj === "string" ? obj : JSON.stringify(obj));
      const r = await cli("micro", "hvc", "--depth", "2", "--change", f);
      expect(r.code).toBe(2);
      expect(r.out).toBe("");
      expect(r.err.split("\n").filter(Boolean)).toHaveLength(1);
      expect(r.err).toMatch(/^nestlab: invalid --change /);
      expect(r.err).toMatch(re);
    });
  }
  it("names and levels on the command line", async () => {
    const lines: [string[], RegExp][] = [
      [["--change", "nv-pmu-elisio"], /did you mean nv-pmu-elision/],
      [["--change", "nv-pmu-elision@5"], /levels 0\.\.1 at depth 2/],
      [["--change", "nv-pmu-elision", "--change", "nv-pmu-elision"], /each change once/],
      [["--change", "nv-fp-elision", "--patch", "0"], /not both/],
      [["--change", "@0"], /invalid --change/],
    ];
    for (const [args, re] of lines) {
      const r = await cli("micro", "hvc", "--depth", "2", ...args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.err).toMatch(re);
    }
  });
});

describe("check judges changes that touch FP state, and says so of the others", () => {
  it("an FP change that drops the put always is caught; a timer change is reported as not judged", async () => {
    const unsound: Change = { ...validateChange(VALID, "t"), name: "drop-put-fp", edits: [{ step: "putFp", action: "drop", when: "always" }] };
    expect(touchesFp(unsound)).toBe(true);
    expect(touchesFp(BUILTIN_CHANGES.get("nv-timer-elision")!)).toBe(false);
    const f = file({ ...unsound, levels: "all" });
    const bad = await cli("check", "--depth", "2", "--steps", "3000", "--json", "--change", f);
    expect(bad.code).toBe(3);
    const b = JSON.parse(bad.out);
    expect(b.violations).toBeGreaterThan(0);
    expect(b.changes[0]).toMatchObject({ name: "drop-put-fp", judged: true });
    const other = await cli("check", "--depth", "3", "--steps", "500", "--json", "--change", "nv-timer-elision");
    expect(JSON.parse(other.out).changes[0]).toMatchObject({ name: "nv-timer-elision", judged: false });
    expect(JSON.parse(other.out).changes[0].note).toMatch(/not judged/);
    const text = await cli("check", "--depth", "3", "--steps", "500", "--change", "nv-timer-elision");
    expect(text.out).toMatch(/change nv-timer-elision: not judged/);
  });
});

describe("sweep's change axis", () => {
  it("appears only when swept, and each value runs its change", () => {
    expect(planSweep({ axes: { depth: [2] } }).columns).not.toContain("change");
    const plan = planSweep({ axes: { depth: [2], change: ["none", "nv-pmu-elision", "nv-pmu-elision@0+1", "nv-pmu-elision@5"] } });
    expect(plan.columns).toContain("change");
    expect(plan.points.map((p) => p.params.change)).toEqual(["none", "nv-pmu-elision", "nv-pmu-elision@0+1"]);
    expect(plan.skipped).toHaveLength(1);
  });
});

describe("candidates", () => {
  const o = { model: defaultModelConfig({ depth: 2, patch: [] }), profile: PROFILES["io-heavy"]!, durationMs: 10, seed: 1, clockGhz: 3, hostPreemptRate: 0, hostNeonRate: 0 };
  it("ranks every put/load component and the trap groups, deterministically, as upper bounds", () => {
    const a = candidates(o, 5);
    expect(JSON.stringify(candidates(o, 5))).toBe(JSON.stringify(a));
    expect(a.upperBound).toMatch(/upper bound/);
    const comps = a.candidates.filter((c) => c.kind === "put/load").map((c) => c.component).sort();
    expect(comps).toEqual(["debug", "fgt", "fp", "pmu", "stage-2/mmu", "sysregs", "timer", "vgic"]);
    expect(a.candidates.some((c) => c.kind === "per-exit traps")).toBe(true);
    for (let i = 1; i < a.candidates.length; i++) expect(a.candidates[i - 1]!.wallSaving).toBeGreaterThanOrEqual(a.candidates[i]!.wallSaving);
    // without the FP-elision change the FP component saves what compare says the change saves (same stream)
    const fp = a.candidates.find((c) => c.component === "fp")!;
    const patched = runWorkload({ ...o, model: { ...o.model, patch: [0, 1] } });
    expect(fp.wallSaving).toBeCloseTo(1 - Number(patched.cycles) / a.baseline.cycles, 12);
    for (const c of a.candidates) expect(c.note.length).toBeGreaterThan(10);
  });
});
