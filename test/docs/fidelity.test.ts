import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type Figures, measure, render } from "../../bench/fidelity";

/** docs/fidelity.md's figures are what bench/fidelity.ts measures: the "after" ones are the model's today. */
const ROOT = join(__dirname, "..", "..");
const read = (f: string): Figures => JSON.parse(readFileSync(join(ROOT, "docs", "fidelity", f), "utf8")) as Figures;
const DOC = readFileSync(join(ROOT, "docs", "fidelity.md"), "utf8");

describe("docs/fidelity.md", () => {
  const before = read("figures-before.json");
  const after = read("figures-after.json");

  it("records the model's figures as they are today", () => {
    expect(measure()).toEqual(after);
  });

  it("shows the table of both", () => {
    const at = DOC.indexOf("<!-- figures: before/after -->\n");
    const end = DOC.indexOf("<!-- /figures -->", at);
    expect(DOC.slice(at + "<!-- figures: before/after -->\n".length, end)).toBe(render(before, after));
  });

  it("quotes the claims' rows as measured", () => {
    const pct = (v: number | null): string => `${((v ?? NaN) * 100).toFixed(2)}%`;
    const prose = DOC.replace(/\s+/g, " ");
    for (const [i, w] of ["debian-install", "io-heavy"].entries()) {
      expect(after.compare[i]!.workload).toBe(w);
      expect(prose).toContain(`${pct(before.compare[i]!.wallReduction)} to ${pct(after.compare[i]!.wallReduction)}`);
    }
    const hvc = (f: Figures, d: number) => f.micro.find((r) => r.op === "hvc" && r.depth === d && r.nv2 && r.patch === "none")!;
    expect(prose).toContain(`from ${hvc(before, 2).l0Traps} to ${hvc(after, 2).l0Traps} L0 traps`);
    const d1 = hvc(after, 1).cycles!;
    expect(prose).toContain(`depth-1 \`micro hvc\` ${d1.toLocaleString("en-US")} cycles`);
  });

});
