import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { COST_NAMES, COSTS } from "../../lib/costs/table";
import { defaultModelConfig } from "../../lib/kvm/config";
import { isMicroOp, runMicro } from "../../lib/micro/micro";
import { UNSOURCED_COSTS } from "../../lib/run/sensitivity";

/** docs/calibration.md must describe lib/costs/table.ts exactly: it cannot drift from the table it documents. */

const DOC = readFileSync(join(__dirname, "..", "..", "docs", "calibration.md"), "utf8");
/** the prose with line breaks folded, for sentences that wrap */
const PROSE = DOC.replace(/\s+/g, " ");

/** The rows of the markdown table whose header row starts with `| first |`, as trimmed cells. */
function tableRows(first: string): string[][] {
  const lines = DOC.split("\n");
  const start = lines.findIndex((l) => l.startsWith(`| ${first} |`));
  expect(start, `a table with a '${first}' column in docs/calibration.md`).toBeGreaterThanOrEqual(0);
  const rows: string[][] = [];
  for (let i = start + 2; i < lines.length && lines[i]!.startsWith("|"); i++) {
    rows.push(lines[i]!.slice(1, -1).split(" | ").map((c) => c.trim()));
  }
  return rows;
}

const unquote = (cell: string): string => cell.replace(/^`|`$/g, "");

describe("docs/calibration.md", () => {
  const rows = tableRows("cost");

  it("lists every unit cost of lib/costs/table.ts once, in the table's order", () => {
    expect(rows.map((r) => unquote(r[0]!))).toEqual(COST_NAMES);
  });

  it("gives each cost the table's unit, default and basis, and a source", () => {
    for (const r of rows) {
      const name = unquote(r[0]!) as keyof typeof COSTS;
      const c = COSTS[name];
      expect(r[1], `${name}: unit`).toBe(c.unit);
      expect(Number(r[2]), `${name}: default`).toBe(c.default);
      expect(r[3], `${name}: basis`).toBe(c.basis);
      expect(r[5]?.length ?? 0, `${name}: source`).toBeGreaterThan(10);
    }
  });

  it("counts the costs by basis as the table does", () => {
    const count = (b: string): number => COST_NAMES.filter((n) => COSTS[n].basis === b).length;
    const line = `Of the ${COST_NAMES.length} costs, ${count("published")} are published, ${count("derived")} derived, ` +
      `${count("calibrated")} calibrated and ${count("assumed")} assumed.`;
    expect(PROSE).toContain(line);
  });

  it("states the size of the sensitivity band as lib/run/sensitivity.ts builds it", () => {
    // each unsourced cost x0.5 and x2, all of them x0.5 and x2, and two clocks
    const cases = 2 * UNSOURCED_COSTS.length + 2 + 2;
    expect(PROSE).toContain(`${UNSOURCED_COSTS.length} unsourced costs and ${cases} cases`);
  });

  it("quotes the depth-1 micro benchmarks as the model prints them", () => {
    const calib = tableRows("op");
    expect(calib.length).toBeGreaterThan(0);
    for (const r of calib) {
      const op = unquote(r[0]!);
      expect(isMicroOp(op), op).toBe(true);
      if (!isMicroOp(op)) continue;
      const m = runMicro(defaultModelConfig({ depth: 1 }), { op, iterations: 8, leafFp: false });
      expect(Number(r[1]), `micro ${op} --depth 1: cycles`).toBe(m.cycles);
    }
  });
});
