import { describe, expect, it } from "vitest";
import { runCli } from "../../lib/cli/main";
import { explain, parseTarget } from "../../lib/explain/explain";
import { explainInputs, MODEL_INPUTS } from "../../lib/explain/inputs";
import { type SearchAlternative, type SearchInput, searchChanges } from "../../lib/explain/search";
import { defaultModelConfig } from "../../lib/kvm/config";
import { PROFILES } from "../../lib/workload/profiles";

type Alt = SearchAlternative;
const scale = (name: string): SearchInput<Alt> => ({
  name,
  kind: "scale",
  alternatives: [-4, -3, -2, -1, 1, 2, 3, 4].map((exp) => ({ input: name, label: `e${exp}`, exp })),
});
const sw = (name: string, labels: string[]): SearchInput<Alt> => ({ name, kind: "switch", alternatives: labels.map((label) => ({ input: name, label, exp: 0 })) });

/**
 * A synthetic configuration: the figure is 0.02 plus small separate effects, and reaches the 0.10 target only when
 * the switch `feature` is on AND the cost `a` is scaled by at least x4, or when `a` and `b` are both scaled up a lot
 * (the known answer needs two inputs changed together; no single change reaches).
 */
function synthetic(changes: readonly Alt[]): number {
  const e = (n: string): number => changes.find((c) => c.input === n)?.exp ?? 0;
  const on = changes.some((c) => c.input === "feature" && c.label === "on");
  let v = 0.02 + 0.004 * Math.max(0, e("a")) + 0.003 * Math.max(0, e("b")) + 0.001 * Math.max(0, -e("noise"));
  if (on) v += 0.01 + (e("a") >= 2 ? 0.07 : 0);
  if (e("a") >= 3 && e("b") >= 3) v += 0.06;
  return v;
}
const inputs = [scale("noise"), scale("a"), sw("feature", ["on"]), scale("b"), sw("useless", ["x", "y"]), scale("c")];

describe("explain's search", () => {
  it("finds the known pair on a synthetic configuration, ranked by inputs then sum |log2|; no single reaches", async () => {
    const r = await searchChanges(inputs, async (c) => synthetic(c), { target: 0.1 });
    expect(r.base).toBeCloseTo(0.02);
    expect(r.entries.every((e) => e.changes.length === 2)).toBe(true);
    const labels = r.entries.map((e) => e.changes.map((c) => `${c.input}=${c.label}`).join("+"));
    // feature on + a x4 (sum |log2| 2) ranks before a x8 + b x8 (sum 6)
    expect(labels[0]).toBe("a=e2+feature=on");
    expect(labels).toContain("a=e3+b=e3");
    expect(r.entries[0]!.log2Sum).toBe(2);
    for (const e of r.entries) expect(e.value).toBeGreaterThanOrEqual(0.1);
    // the inputs that never help are not paired
    expect(r.paired).not.toContain("useless");
    expect(r.paired).not.toContain("c");
  });

  it("reports singles first, pairs dominated by a single are dropped, and pruning to k inputs is honoured", async () => {
    const f = (c: readonly Alt[]): number => synthetic(c) + (c.some((x) => x.input === "c" && x.exp >= 3) ? 0.09 : 0);
    const r = await searchChanges(inputs, async (c) => f(c), { target: 0.1 });
    expect(r.entries[0]!.changes.map((c) => `${c.input}=${c.label}`)).toEqual(["c=e3"]);
    for (const e of r.entries.filter((x) => x.changes.length === 2)) expect(e.changes.some((c) => c.input === "c" && c.exp >= 3)).toBe(false);
    const one = await searchChanges(inputs, async (c) => f(c), { target: 0.1, pairInputs: 1 });
    expect(one.paired).toHaveLength(1);
    expect(one.entries.every((e) => e.changes.length === 1)).toBe(true);
  });

  it("is deterministic whatever order the evaluations complete in", async () => {
    const a = await searchChanges(inputs, async (c) => synthetic(c), { target: 0.1 });
    let n = 0;
    const b = await searchChanges(inputs, (c) => new Promise((res) => setTimeout(() => res(synthetic(c)), (n++ * 7) % 5)), { target: 0.1 });
    expect(b.entries).toEqual(a.entries);
    expect(b.evaluations).toBe(a.evaluations);
  });

  it("parses targets as fractions or percentages", () => {
    expect(parseTarget("0.10")).toBeCloseTo(0.1);
    expect(parseTarget("10%")).toBeCloseTo(0.1);
    for (const bad of ["0", "1", "150%", "ten", "-0.1", ""]) expect(() => parseTarget(bad)).toThrow(/--target/);
  });
});

describe("explain on the model", () => {
  const o = { model: defaultModelConfig({ depth: 2 }), profile: PROFILES["io-heavy"]!, durationMs: 5, seed: 1, clockGhz: 3, hostPreemptRate: 0, hostNeonRate: 0 };

  it("declares every structural input of ModelConfig, and never changes the configuration it is given", async () => {
    expect(Object.keys(MODEL_INPUTS).sort()).toEqual(Object.keys(defaultModelConfig({ depth: 2, physOffset: false, fpPolicy: "nv-fp-elision", changes: [] })).sort());
    const names = explainInputs(o).map((i) => i.name);
    for (const n of ["nv2", "ecv", "el2Vtimer", "physOffset", "sveVl", "patch", "hypHz", "timerHz", "fpUse", "ioUserFraction", "cost.vmmMmio", "cost.fpBytesPerCycle"]) expect(names).toContain(n);
    const before = JSON.stringify(o);
    const r = await explain(o, { target: 0.5, pairInputs: 2, workers: 0 });
    expect(JSON.stringify(o)).toBe(before);
    expect(r.singles.length).toBeGreaterThan(50);
    expect(r.paired).toHaveLength(2);
  });

  it("CLI: one JSON object, the same with 0 and 2 workers; bad input exits 2 naming --target", async () => {
    const cli = async (...argv: string[]): Promise<{ code: number; out: string; err: string }> => {
      let out = "";
      let err = "";
      const code = await runCli(argv, { out: (t) => void (out += t), err: (t) => void (err += t) });
      return { code, out, err };
    };
    const args = ["explain", "--depth", "2", "--duration-ms", "5", "--target", "3%", "--pair-inputs", "2", "--json"];
    const a = await cli(...args, "--workers", "0");
    const b = await cli(...args, "--workers", "2");
    expect(a.code).toBe(0);
    expect(b.out).toBe(a.out);
    const j = JSON.parse(a.out) as { target: number; entries: unknown[]; base: { wallReduction: number } };
    expect(j.target).toBeCloseTo(0.03);
    // the configuration block (lib/cli/config.ts): the pinned kernel and the inputs explained
    expect((JSON.parse(a.out) as { config: unknown }).config).toMatchObject({ kernel: "Linux 7.3-rc7", depth: 2, durationMs: 5, patch: [0, 1], workload: { name: "io-heavy" } });
    for (const bad of [["--target", "200%"], ["--target", "x"], []]) {
      const r = await cli("explain", "--depth", "2", ...bad);
      expect(r.code).toBe(2);
      expect(r.out).toBe("");
      expect(r.err).toMatch(/^nestlab: (invalid --target '.*': accepted|explain needs --target:) .*fraction.*percentage/);
      expect(r.err.trim().split("\n")).toHaveLength(1);
    }
  });
});
