import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EXPECTED, EXPERIMENTS, experimentNotebooks, ROOT } from "./harness";

/** Reads the committed notebooks only (quick tier); the full tier runs each one: test/notebooks/<name>.full.test.ts. */
describe("experiment notebooks", () => {
  const notebooks = experimentNotebooks();

  it("the notebooks 01..08 are all there, committed clean (outputs live in the report) and on the nestlab kernel", () => {
    expect(notebooks).toEqual(Object.keys(EXPECTED));
    for (const name of ["00-smoke", ...notebooks]) {
      const nb = JSON.parse(readFileSync(join(ROOT, "notebooks", `${name}.ipynb`), "utf8")) as {
        cells: { cell_type: string; outputs?: unknown[]; execution_count?: number | null }[];
        metadata: { kernelspec?: { name?: string } };
      };
      expect(nb.metadata.kernelspec?.name, name).toBe("nestlab");
      for (const c of nb.cells.filter((x) => x.cell_type === "code")) {
        expect(c.outputs ?? [], name).toEqual([]);
        expect(c.execution_count ?? null, name).toBeNull();
      }
    }
  });

  it("each experiment states its question, method and assumptions, runs over seeds, and ends with a conclusion", () => {
    for (const name of EXPERIMENTS) {
      const nb = JSON.parse(readFileSync(join(ROOT, "notebooks", `${name}.ipynb`), "utf8")) as { cells: { cell_type: string; source: string | string[] }[] };
      const text = (c: { source: string | string[] }): string => (Array.isArray(c.source) ? c.source.join("") : c.source);
      const intro = text(nb.cells[0]!);
      for (const part of ["**Question.**", "**Method.**", "**Assumptions.**"]) expect(intro, `${name}: ${part}`).toContain(part);
      const code = nb.cells.filter((c) => c.cell_type === "code").map(text);
      expect(code.join("\n"), `${name}: seeds`).toMatch(/const seeds = pick\(\[1, 2[^\]]*\], \[1, 2\]\)/);
      expect(code[code.length - 1], `${name}: the last cell concludes`).toMatch(/^conclude\(/m);
    }
  });

  it("each one has its test file, which runs it", () => {
    for (const name of notebooks) {
      const file = join(__dirname, `${name}.full.test.ts`);
      expect(existsSync(file), file).toBe(true);
      expect(readFileSync(file, "utf8"), file).toMatch(new RegExp(`notebookTests\\("${name}"[,)]`));
    }
  });
});
