import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EXPECTED, experimentNotebooks, ROOT } from "./harness";

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

  it("each one has its test file, which runs it", () => {
    for (const name of notebooks) {
      const file = join(__dirname, `${name}.full.test.ts`);
      expect(existsSync(file), file).toBe(true);
      expect(readFileSync(file, "utf8"), file).toMatch(new RegExp(`notebookTests\\("${name}"[,)]`));
    }
  });
});
