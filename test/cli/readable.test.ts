import { describe, expect, it } from "vitest";
import { GLOSSARY } from "../../lib/cli/glossary";
import { cli } from "./harness";

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
