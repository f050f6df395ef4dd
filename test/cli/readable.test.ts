import { describe, expect, it } from "vitest";
import { GLOSSARY } from "../../lib/cli/glossary";
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
    expect(t.out).toContain("  - " + fixture + ": the recording spans 71.000 us with 14 kvm exits (rates need at least 1 s and 1,000 exits): the per-second rates (exits/s, per s) extrapolate from too little time to mean much");
    const j = await cli("import", fixture, "--json");
    expect(j.err).toContain("nestlab: warning: " + fixture + ": the recording spans 71.000 us");
    const s = json(j.out) as { quantileNote: string; reasons: { quantiles: string }[] };
    expect(s.quantileNote).toBe(QUANTILE_NOTE);
    expect(s.reasons.every((r) => r.quantiles === "exact")).toBe(true);
    expect(defs("import")).toContain("quantiles, ~: median, p90 and p99 are exact");
    expect(defs("import")).toContain("warning: the recording spans: a recording shorter than 1 s");
  });
});
