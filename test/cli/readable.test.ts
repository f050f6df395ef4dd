import { describe, expect, it } from "vitest";
import { explainText } from "../../lib/cli/commands/explain";
import { GLOSSARY } from "../../lib/cli/glossary";
import { progressPrinter } from "../../lib/cli/progress";
import type { ExplainEntry, ExplainResult } from "../../lib/explain/explain";
import { searchChanges } from "../../lib/explain/search";
import { join } from "node:path";
import { Distribution, EXACT_QUANTILES_UP_TO, QUANTILE_ERROR, QUANTILE_NOTE } from "../../lib/real/histogram";
import { cli, ROOT } from "./harness";

/** Outputs a new user could not interpret: each named for what it counts, in the text and the glossary. */

const json = (out: string): Record<string, unknown> => JSON.parse(out) as Record<string, unknown>;
const defs = (cmd: string): string => GLOSSARY[cmd]!.map(([l, d]) => `${l}: ${d}`).join("\n");

describe("check: the implicit final step and what a violation counts", () => {
  it("an empty counterexample names the final leaf-fp; violations are counted per schedule", async () => {
    const t = await cli("check", "--policy", "elide-save-only", "--depth", "2", "--steps", "200");
    expect(t.code).toBe(3);
    expect(t.out).toContain("schedule [] (no steps, then the final leaf-fp every schedule ends with): at the final leaf-fp,");
    expect(t.out).toMatch(/violations: 5 of 5 schedules \(counted per schedule: a violating schedule counts once/);
    expect(t.out).toContain("ends with a final leaf-fp");
    const j = json((await cli("check", "--policy", "elide-save-only", "--depth", "2", "--steps", "200", "--json")).out);
    expect(j).toMatchObject({ violations: 5, schedules: 5, violationUnit: "schedules", finalStep: "leaf-fp" });
    expect(j.firstViolation).toMatchObject({ schedule: [], finalStep: "leaf-fp", atStep: 1 });
    expect(defs("check")).toMatch(/violations: schedules \(not reads\)/);
    expect(defs("check")).toContain("final leaf-fp");
  });

  it("a clean check prints the count without the per-schedule note", async () => {
    const t = await cli("check", "--depth", "2", "--steps", "100");
    expect(t.code).toBe(0);
    expect(t.out).toContain("  violations: 0 of 3 schedules\n");
  });
});

describe("micro: the put_fp skip counter is named for what it counts", () => {
  it("text column putFpSkipped, JSON key fpSavesElided kept, glossary defines both", async () => {
    const t = await cli("micro", "hvc", "--depth", "2");
    expect(t.out).toMatch(/fpRestores {2}putFpSkipped {2}cycles/);
    expect(t.out).not.toContain("fpSavesElided");
    const j = json((await cli("micro", "hvc", "--depth", "2", "--json")).out) as { byLevel: { fpSavesElided: number; fpSaves: number }[] };
    expect(j.byLevel[0]!.fpSavesElided).toBe(2);
    expect(j.byLevel[0]!.fpSaves).toBe(0);
    expect(defs("micro")).toMatch(/putFpSkipped \(JSON fpSavesElided\): put_fp calls .*whether or not the vcpu owned/);
  });
});

describe("import: exact quantiles while the sample is small; a warning for a short recording", () => {
  const fixture = join(ROOT, "test", "real", "fixtures", "nv2-l0.synthetic.trace-cmd.txt");

  it("the median of 800 and 1,000 is 900, exact; past EXACT_QUANTILES_UP_TO values they come from the histogram, within its bound", () => {
    const d = new Distribution();
    d.add(800);
    d.add(1000);
    expect(d.summary()).toMatchObject({ p50Ns: 900, quantiles: "exact" });
    const e = new Distribution();
    for (const v of [400, 500, 600]) e.add(v);
    expect(e.summary().p50Ns).toBe(500);
    // a value added after a quantile was read is counted (the sorted values are not reused stale)
    e.add(10);
    expect(e.summary().p50Ns).toBe(450);
    const big = new Distribution();
    for (let i = 1; i <= EXACT_QUANTILES_UP_TO; i++) big.add(i);
    expect(big.summary().quantiles).toBe("exact");
    big.add(EXACT_QUANTILES_UP_TO + 1);
    const s = big.summary();
    expect(s.quantiles).toBe("histogram");
    const exact = (EXACT_QUANTILES_UP_TO + 2) / 2;
    expect(Math.abs(s.p50Ns / exact - 1)).toBeLessThanOrEqual(QUANTILE_ERROR);
  });

  it("text says how the quantiles are computed and warns of a 71 us recording's rates; JSON adds quantiles and quantileNote", async () => {
    const t = await cli("import", fixture);
    expect(t.code).toBe(0);
    expect(t.out).toContain(`quantiles: ${QUANTILE_NOTE}`);
    expect(t.out).toMatch(/SYS64 +5 +35,211 +35\.71% +540\.0 +500\.0 /);
    expect(t.out).toContain("  - " + fixture + ": the recording spans 71 µs with 14 kvm exits (rates need at least 1 s and 1,000 exits): the per-second rates (exits/s, per s) extrapolate from too little time to mean much");
    const j = await cli("import", fixture, "--json");
    expect(j.err).toContain("nestlab: warning: " + fixture + ": the recording spans 71 µs");
    const s = json(j.out) as { quantileNote: string; reasons: { quantiles: string }[] };
    expect(s.quantileNote).toBe(QUANTILE_NOTE);
    expect(s.reasons.every((r) => r.quantiles === "exact")).toBe(true);
    expect(defs("import")).toContain("quantiles, ~: median, p90 and p99 are exact");
    expect(defs("import")).toContain("warning: the recording spans: a recording shorter than 1 s");
  });
});

describe("explain: equivalent spellings and an honest progress total", () => {
  it("the text prints = #N for an entry whose figures equal an earlier one's, and names the groups", () => {
    const implications = { l0FpTrapNs: 955, forwardedFpTrapNs: 4957, fpTrapsPerExit: 0.79, l0TrapsPerExit: 28.2, hvcL0Traps: 8, hvcNs: 1000, l0PutLoadCycles: 1597, fpShare: 0.0811, overhead: 1.33 };
    const entry = (rank: number, vl: string, scale: string, exp: number, equivalentTo?: number): ExplainEntry => ({
      rank,
      changes: [{ input: "sveVl", label: vl, exp: 0 }, { input: "cost.fpBytesPerCycle", label: scale, exp }],
      inputs: 2,
      log2Sum: Math.abs(exp),
      wallReduction: 0.0469,
      speedup: 1.05,
      implications,
      ...(equivalentTo !== undefined ? { equivalentTo } : {}),
    });
    const r: ExplainResult = {
      target: 0.03,
      depth: 2,
      workload: "io-heavy",
      base: { wallReduction: 0.0055, speedup: 1.005, implications },
      entries: [entry(1, "2048", "x1/4", -2), entry(2, "1024", "x1/8", -3, 1), entry(3, "512", "x1/16", -4, 1)],
      reaching: 3,
      singles: [],
      inputs: ["sveVl", "cost.fpBytesPerCycle"],
      paired: ["sveVl", "cost.fpBytesPerCycle"],
      evaluations: 10,
    };
    const t = explainText(r);
    expect(t).toMatch(/^1 +sveVl 2048 \+ cost\.fpBytesPerCycle x1\/4 +2 +2 +4\.69% +955/m);
    expect(t).toMatch(/^2 +sveVl 1024 \+ cost\.fpBytesPerCycle x1\/8 +2 +3 += #1$/m);
    expect(t).toMatch(/^3 +sveVl 512 \+ cost\.fpBytesPerCycle x1\/16 +2 +4 += #1$/m);
    expect(t).toContain("equivalent spellings (= #N: the same reduction and implications as entry N");
    expect(t).toContain("): #1 = #2 = #3");
    expect(defs("explain")).toContain("sum |log2|: the size of the change: the sum over its scaled inputs of |log2 of the scale|");
    expect(defs("explain")).toContain("= #N (reduction): an equivalent spelling");
  });

  it("a provisional total is shown as a lower bound, with the ETA", () => {
    let now = 0;
    const lines: string[] = [];
    const p = progressPrinter({ tty: false, write: (t) => void lines.push(t), now: () => now });
    now = 600;
    p.progress(2, 112, "explain evaluations", true);
    expect(lines).toEqual(["nestlab: explain evaluations 2 of at least 112 (at most 1%) eta at least 33.0s\n"]);
    now = 2000;
    p.progress(259, 259, "explain evaluations");
    expect(lines.at(-1)).toBe("nestlab: explain evaluations 259/259 (100%) done in 2.0s\n");
  });

  it("explain's search reports its total as provisional until it is done", async () => {
    const calls: [number, number, boolean | undefined][] = [];
    const inputs = [
      { name: "a", kind: "scale" as const, alternatives: [-4, -3, -2, -1, 1, 2, 3, 4].map((exp) => ({ input: "a", label: `x${exp}`, exp })) },
    ];
    await searchChanges(inputs, (alts) => Promise.resolve(alts.reduce((s, a) => s + a.exp / 100, 0)), { target: 0.02, progress: (d, t, _w, prov) => void calls.push([d, t, prov]) });
    expect(calls.slice(0, -1).every(([, , prov]) => prov === true)).toBe(true);
    const [d, t, prov] = calls.at(-1)!;
    expect(d).toBe(t);
    expect(prov).toBeUndefined();
  });
});

describe("run: leaf exits vs the leaf's hypervisor's exits", () => {
  it("the text says how many leaf exits never reached L(d-1), and the numbers add up", async () => {
    const j = json((await cli("run", "--depth", "3", "--duration-ms", "20", "--json")).out) as { leafExits: number; byLevel: { exits: number }[] };
    const top = j.byLevel[2]!.exits;
    expect(j.leafExits).toBeGreaterThan(top);
    const f = (v: number): string => v.toLocaleString("en-US");
    const t = (await cli("run", "--depth", "3", "--duration-ms", "20")).out;
    expect(t).toContain(`  L2 exits ${f(top)} of the leaf's ${f(j.leafExits)}: a level's exits are those that entered its hypervisor from its guest; the other ${f(j.leafExits - top)} leaf exits were completed below L2`);
    expect((await cli("run", "--depth", "1", "--duration-ms", "5")).out).not.toContain("of the leaf's");
    expect(defs("run")).toContain("leaf exits vs L(d-1) exits: the level table counts the exits each level's hypervisor handled");
  });
});

describe("compare: the exit table omits rows that print as zero; eret rows defined", () => {
  it("no row of all zeros in the text, all rows in JSON, and the omission said", async () => {
    const args = ["compare", "--depth", "3", "--duration-ms", "5", "--exit-window-ms", "5"];
    const t = (await cli(...args)).out;
    const table = t.slice(t.indexOf("raised by"));
    expect(table).not.toMatch(/ 0\.00 +0\.00 +0 +0 +0\n/);
    expect(table).not.toMatch(/ -0\n/);
    const j = json((await cli(...args, "--json")).out) as { exit: { rows: { baseline: { l0Traps: number; cycles: number }; patched: { l0Traps: number; cycles: number } }[] } };
    const zeroRows = j.exit.rows.filter((r) => r.baseline.l0Traps < 0.005 && r.patched.l0Traps < 0.005 && r.baseline.cycles < 0.5 && r.patched.cycles < 0.5).length;
    expect(zeroRows).toBeGreaterThan(0);
    expect(table).toContain(`(${zeroRows} row(s) omitted: zero in both runs at this precision`);
    expect(table.split("\n").filter((l) => /^(L\d|direct)/.test(l))).toHaveLength(j.exit.rows.length - zeroRows);
    expect(defs("compare")).toContain("Lk eret: the ERETs guest hypervisor Lk raised returning into its guest");
    expect(defs("compare")).toContain("Lk eret (handler): the ERETs Lk raised from inside a handler");
  });
});

describe("candidates: one denominator for the per-exit columns", () => {
  it("text columns per leaf exit for every row; JSON keeps cyclesPerExit and names its denominator", async () => {
    const t = (await cli("candidates", "--depth", "2", "--duration-ms", "10", "--exit-window-ms", "10")).out;
    expect(t).toMatch(/wall saving {2}cycles\/leaf exit {2}L0 traps\/leaf exit/);
    const r = json((await cli("candidates", "--depth", "2", "--duration-ms", "10", "--exit-window-ms", "10", "--json")).out) as {
      baseline: { cycles: number; leafExits: number };
      candidates: { kind: string; wallSaving: number; cyclesPerExit: number; cyclesPerLeafExit: number; perExitDenominator: string }[];
    };
    for (const c of r.candidates) {
      expect(c.perExitDenominator).toBe(c.kind === "put/load" ? "baseline leaf exits" : "exit window leaf events");
      if (c.kind === "put/load") expect(c.cyclesPerLeafExit).toBe(c.cyclesPerExit);
      // per leaf exit the two kinds compare: wall saving x cycles per leaf exit, within the window's difference
      else if (c.wallSaving > 0.005) expect(c.cyclesPerLeafExit / (c.wallSaving * (r.baseline.cycles / r.baseline.leafExits))).toBeGreaterThan(0.5);
    }
    expect(defs("candidates")).toContain("cycles/leaf exit, L0 traps/leaf exit: cycles and L0 traps saved per leaf exit");
  });
});
