import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { blocksIn } from "../../kernel/readme";

/**
 * The README quotes the model only inside its generated blocks (kernel/readme.ts fills them; the full tier's
 * readme.full.test.ts fails when they drift from what the model prints). Here, without running the model: the
 * blocks are all there, and the prose around them quotes no model figure by hand.
 */
const README = readFileSync(join(__dirname, "..", "..", "README.md"), "utf8");

/** The README without its generated blocks and fenced code. */
function prose(text: string): string {
  return text.replace(/<!-- generated:([a-z0-9-]+) \(npm run readme\) -->\n[\s\S]*?<!-- \/generated:\1 -->/g, "").replace(/```[\s\S]*?```/g, "");
}

describe("README.md", () => {
  it("has the generated blocks a newcomer reads: the claims, the answer, the tour, the reference figures", () => {
    expect([...blocksIn(README).keys()].sort()).toEqual(
      ["adoption", "amplification", "answer", "calibration", "claims", "compare-table", "gap", "limitations", "livelock", "profiles", "reading-overhead", "tour-check", "tour-check-unsound", "tour-compare", "tour-micro", "tour-run"].sort(),
    );
  });

  it("opens with what it is and its answer, then a tour, how to read the numbers and a glossary, then reference", () => {
    const h2 = README.split("\n").filter((l) => l.startsWith("## ")).map((l) => l.slice(3));
    expect(h2).toEqual(["The answer it gives", "Two commands for a fresh machine (Debian 12, Node 20, as root)", "A short tour", "How to read the numbers", "Glossary", "Reference"]);
    for (const term of ["vEL2", "VNCR", "ECV", "CNTPOFF", "put/load", "TIF_FOREIGN_FPSTATE", "overhead xN", "L0 traps", "sensitivity band", "95% CI"]) {
      expect(prose(README), term).toContain(term);
    }
  });

  it("keeps the two commands for a fresh machine, and .ci/run runs the same test command", () => {
    expect(README).toContain("```sh\nnpm ci && npm run report\n```");
    const test = "apt-get update && apt-get install -y --no-install-recommends python3-nbclient jupyter-notebook chromium && npm ci && npm run test:ci";
    expect(README).toContain("```sh\n" + test + "\n```");
    const ci = readFileSync(join(__dirname, "..", "..", ".ci", "run"), "utf8");
    for (const pkg of ["python3-nbclient", "jupyter-notebook", "chromium"]) expect(ci).toContain(pkg);
    expect(ci).toMatch(/^npm ci$/m);
    expect(ci).toMatch(/^npm run test:ci$/m);
  });

  it("quotes no model figure outside its generated blocks", () => {
    const p = prose(README);
    const found = [
      ...(p.match(/\b\d+(\.\d+)?\s?%/g) ?? []).filter((m) => m !== "95%"), // percentages (95% CI is a name)
      ...(p.match(/\b\d{1,3}(,\d{3})+\b/g) ?? []), // counts with separators
      ...(p.match(/\bx\d+\.\d+/g) ?? []), // overhead factors
      ...(p.match(/\b\d[\d.,]*\s?(cycles|ns|µs|us|ms|traps|seconds|s)\b/g) ?? []), // measured quantities
    ];
    expect(found).toEqual([]);
  });
});
