import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type Notebook, readNotebook, runNotebookFile } from "../../kernel/runner";

const ROOT = join(__dirname, "../..");
const tmp = mkdtempSync(join(tmpdir(), "nestlab-runner-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const notebook = (...cells: [("code" | "markdown"), string][]): Notebook => ({
  cells: cells.map(([t, s]) => (t === "code" ? { cell_type: t, source: s, metadata: {}, outputs: [], execution_count: null } : { cell_type: t, source: s, metadata: {} })),
  metadata: { kernelspec: { name: "nestlab", display_name: "TypeScript (nestlab)", language: "typescript" } },
  nbformat: 4,
  nbformat_minor: 5,
});

describe("headless runner", () => {
  it("executes notebooks/00-smoke.ipynb and writes its outputs (display bundles, stream text)", async () => {
    const out = join(tmp, "smoke.ipynb");
    const r = await runNotebookFile(join(ROOT, "notebooks", "00-smoke.ipynb"), { out, quick: true });
    expect(r.stderr).not.toMatch(/failed/);
    expect(r.ok).toBe(true);
    const nb = readNotebook(out);
    const outputs = nb.cells.flatMap((c) => c.outputs ?? []);
    const charts = outputs.filter((o) => o.output_type === "display_data" && o.data["application/vnd.vegalite.v5+json"] !== undefined);
    expect(charts.length).toBe(2);
    for (const c of charts) {
      if (c.output_type !== "display_data") continue;
      expect(Object.keys(c.data).sort()).toEqual(["application/vnd.vegalite.v5+json", "image/svg+xml", "text/plain"]);
      expect(String(c.data["image/svg+xml"])).toMatch(/^<svg/);
    }
    expect(outputs.some((o) => o.output_type === "display_data" && String(o.data["text/html"] ?? "").includes("<table"))).toBe(true);
    expect(outputs.some((o) => o.output_type === "stream" && /wall-clock time saved \d/.test(String(o.text)))).toBe(true);
    expect(nb.cells.filter((c) => c.cell_type === "code").map((c) => c.execution_count)).toEqual([1, 2, 3, 4]);
  }, 180_000);

  it("updates a progress display in place: one output, at its final state", async () => {
    const path = join(tmp, "progress.ipynb");
    writeFileSync(path, JSON.stringify(notebook(["code", 'import { progress } from "./kernel/index";\nconst bar = progress("work");\nfor (let i = 1; i <= 5; i++) bar.update(i, 5);\nbar.finish();'])));
    const out = join(tmp, "progress.out.ipynb");
    const r = await runNotebookFile(path, { out });
    expect(r.ok, r.stderr).toBe(true);
    const outputs = readNotebook(out).cells.flatMap((c) => c.outputs ?? []);
    const bars = outputs.filter((o) => o.output_type === "display_data" && String(o.data["text/html"] ?? "").includes("<progress"));
    expect(bars.length).toBe(1);
  }, 180_000);

  it("fails with the cell number and the error, keeping the outputs so far", async () => {
    const path = join(tmp, "bad.ipynb");
    writeFileSync(path, JSON.stringify(notebook(["markdown", "# bad"], ["code", 'console.log("first")'], ["code", 'throw new Error("boom at three")'], ["code", 'console.log("never")'])));
    const out = join(tmp, "bad.out.ipynb");
    const r = await runNotebookFile(path, { out });
    expect(r.ok).toBe(false);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/bad\.ipynb: cell 3 failed: .*boom at three/);
    const nb = readNotebook(out);
    expect(nb.cells[1]!.outputs).toEqual([{ output_type: "stream", name: "stdout", text: "first\n" }]);
    expect(nb.cells[2]!.outputs!.some((o) => o.output_type === "error" && /boom at three/.test(o.evalue))).toBe(true);
    expect(nb.cells[3]!.execution_count).toBeNull();
  }, 180_000);

  it("reports a type error with its cell", async () => {
    const path = join(tmp, "type.ipynb");
    writeFileSync(path, JSON.stringify(notebook(["code", "const n: number = 1;"], ["code", 'const s: string = n;'])));
    const r = await runNotebookFile(path);
    expect(r.ok).toBe(false);
    expect(r.stderr).toMatch(/type\.ipynb: cell 2 failed: .*not assignable to type 'string'/);
  }, 180_000);
});
