import * as aq from "arquero";
import { describe, expect, it } from "vitest";
import type { SweepRow } from "../../lib/sweep/rows";
import { resultsTable, seedSummary, speedupTable, t95 } from "../../lib/sweep/table";

/**
 * The table helpers on tiny hand-made tables whose answers are worked out here by hand: speedup = baseline / value,
 * reduction = 1 - value / baseline; mean = sum / n in row order, sd with n - 1, ci95 = t95(n - 1) * sd / sqrt(n).
 */

// depth x patch x seed, with a livelocked run (error: null metrics), a point without its baseline and a second axis
const ROWS: SweepRow[] = [
  { run: 0, depth: 1, patch: "none", sveVl: 0, seed: 1, cycles: 100, seconds: 0.1, overhead: 2, error: null },
  { run: 1, depth: 1, patch: "all", sveVl: 0, seed: 1, cycles: 80, seconds: 0.08, overhead: 1.6, error: null },
  { run: 2, depth: 1, patch: "none", sveVl: 0, seed: 2, cycles: 110, seconds: 0.11, overhead: 2.2, error: null },
  { run: 3, depth: 1, patch: "all", sveVl: 0, seed: 2, cycles: 88, seconds: 0.088, overhead: 1.76, error: null },
  { run: 4, depth: 2, patch: "none", sveVl: 0, seed: 1, cycles: 400, seconds: 0.4, overhead: 8, error: null },
  { run: 5, depth: 2, patch: "all", sveVl: 0, seed: 1, cycles: 250, seconds: 0.25, overhead: 5, error: null },
  { run: 6, depth: 2, patch: "none", sveVl: 0, seed: 2, cycles: null, seconds: null, overhead: null, error: "livelock" },
  { run: 7, depth: 2, patch: "all", sveVl: 0, seed: 2, cycles: 300, seconds: 0.3, overhead: 6, error: null },
  // depth 3: patched run without a baseline partner
  { run: 8, depth: 3, patch: "all", sveVl: 0, seed: 1, cycles: 500, seconds: 0.5, overhead: 10, error: null },
  // a large exact count stored as a decimal string (above 2^53), as results.json keeps it
  { run: 9, depth: 1, patch: "none", sveVl: 512, seed: 1, cycles: "18014398509481985", seconds: 6e6, overhead: 3, error: null },
  { run: 10, depth: 1, patch: "all", sveVl: 512, seed: 1, cycles: 9007199254740992, seconds: 3e6, overhead: 1.5, error: null },
];

const objects = (t: aq.ColumnTable): Record<string, unknown>[] => t.objects() as Record<string, unknown>[];

describe("resultsTable", () => {
  it("keeps the columns and rows, bigint metrics given as decimal strings become numbers", () => {
    const t = resultsTable(ROWS);
    expect(t.columnNames()).toEqual(["run", "depth", "patch", "sveVl", "seed", "cycles", "seconds", "overhead", "error"]);
    expect(t.numRows()).toBe(ROWS.length);
    expect(t.array("cycles")[9]).toBe(18014398509481984); // 2^54 + 1 rounded to 53 bits
    expect(t.array("cycles")[6]).toBeNull();
    expect(t.array("patch")).toEqual(ROWS.map((r) => r.patch));
  });

  it("gives an empty table for no rows", () => {
    expect(resultsTable([]).numRows()).toBe(0);
  });
});

describe("speedupTable", () => {
  for (const [what, input] of [["rows", () => ROWS], ["an arquero table", () => resultsTable(ROWS)]] as const) {
    it(`pairs every run with the baseline run of the same other parameters and seed (${what})`, () => {
      const s = speedupTable(input(), { axis: "patch", baseline: "none" });
      expect(s.columnNames()).toEqual(["depth", "patch", "sveVl", "seed", "baselineCycles", "cycles", "speedup", "reduction"]);
      // input order of the non-baseline rows; depth 3 has no baseline and is dropped
      const big = 18014398509481985; // Number("18014398509481985")
      expect(objects(s)).toEqual([
        { depth: 1, patch: "all", sveVl: 0, seed: 1, baselineCycles: 100, cycles: 80, speedup: 100 / 80, reduction: 1 - 80 / 100 },
        { depth: 1, patch: "all", sveVl: 0, seed: 2, baselineCycles: 110, cycles: 88, speedup: 110 / 88, reduction: 1 - 88 / 110 },
        { depth: 2, patch: "all", sveVl: 0, seed: 1, baselineCycles: 400, cycles: 250, speedup: 1.6, reduction: 0.375 },
        // the livelocked baseline has no cycles: its partner stays, with NaN
        { depth: 2, patch: "all", sveVl: 0, seed: 2, baselineCycles: NaN, cycles: 300, speedup: NaN, reduction: NaN },
        { depth: 1, patch: "all", sveVl: 512, seed: 1, baselineCycles: big, cycles: 2 ** 53, speedup: 2, reduction: 0.5 },
      ]);
      expect(s.array("speedup")[0]).toBe(1.25);
      expect(s.array("reduction")[0]).toBe(0.19999999999999996); // 1 - 0.8, not 0.2
    });
  }

  it("compares any metric against any baseline value of any axis", () => {
    const s = speedupTable(ROWS, { axis: "depth", baseline: 1, metric: "seconds" });
    expect(s.columnNames()).toEqual(["depth", "patch", "sveVl", "seed", "baselineSeconds", "seconds", "speedup", "reduction"]);
    expect(objects(s).map((r) => [r.depth, r.patch, r.seed, r.baselineSeconds, r.seconds, r.speedup])).toEqual([
      [2, "none", 1, 0.1, 0.4, 0.1 / 0.4],
      [2, "all", 1, 0.08, 0.25, 0.08 / 0.25],
      [2, "none", 2, 0.11, NaN, NaN],
      [2, "all", 2, 0.088, 0.3, 0.088 / 0.3],
      [3, "all", 1, 0.08, 0.5, 0.08 / 0.5],
    ]);
    const v = speedupTable(ROWS, { axis: "sveVl", baseline: 0 });
    expect(objects(v).map((r) => [r.depth, r.patch, r.sveVl, r.speedup])).toEqual([
      [1, "none", 512, 100 / 18014398509481985],
      [1, "all", 512, 80 / 2 ** 53],
    ]);
  });

  it("takes the last of repeated baseline rows, and matches missing parameter values with each other", () => {
    const rows: SweepRow[] = [
      { depth: 1, patch: "none", seed: 1, cycles: 100 },
      { depth: 1, patch: "all", seed: 1, cycles: 50 },
      { depth: 1, patch: "none", seed: 1, cycles: 200 },
      { depth: null, patch: "none", seed: 1, cycles: 30 },
      { depth: null, patch: "all", seed: 1, cycles: 10 },
    ];
    expect(objects(speedupTable(rows, { axis: "patch", baseline: "none" })).map((r) => [r.depth, r.speedup])).toEqual([
      [1, 4],
      [null, 3],
    ]);
  });

  it("refuses an axis that is not a parameter column", () => {
    expect(() => speedupTable(ROWS, { axis: "cycles", baseline: 1 })).toThrow(/'cycles' is not a parameter column \(depth, patch, sveVl, seed\)/);
  });
});

/** mean, sd and ci95 as the doc comment defines them, written out for a short list. */
function stats(xs: readonly number[]): [number, number, number] {
  const n = xs.length;
  let sum = 0;
  for (const x of xs) sum += x;
  const mean = sum / n;
  let ss = 0;
  for (const x of xs) ss += (x - mean) * (x - mean);
  const sd = Math.sqrt(ss / (n - 1));
  return [mean, sd, (t95(n - 1) * sd) / Math.sqrt(n)];
}

describe("seedSummary", () => {
  it("averages over seeds per group of the other parameters, groups in order of first appearance", () => {
    const m = seedSummary(resultsTable(ROWS));
    expect(m.columnNames()).toEqual([
      "depth", "patch", "sveVl", "n",
      "cyclesMean", "cyclesSd", "cyclesCi95", "secondsMean", "secondsSd", "secondsCi95", "overheadMean", "overheadSd", "overheadCi95",
    ]);
    const rows = objects(m);
    expect(rows.map((r) => [r.depth, r.patch, r.sveVl, r.n])).toEqual([
      [1, "none", 0, 2], [1, "all", 0, 2], [2, "none", 0, 2], [2, "all", 0, 2], [3, "all", 0, 1], [1, "none", 512, 1], [1, "all", 512, 1],
    ]);
    // depth 1, patch none: cycles 100 and 110 -> mean 105, sd sqrt(50), ci95 = 12.706 * sqrt(50) / sqrt(2) = 63.53
    expect(rows[0]!.cyclesMean).toBe(105);
    expect(rows[0]!.cyclesSd).toBe(Math.sqrt(50));
    expect(rows[0]!.cyclesCi95).toBeCloseTo(63.53, 12);
    const [mean, sd, ci] = stats([0.08, 0.088]);
    expect([rows[1]!.secondsMean, rows[1]!.secondsSd, rows[1]!.secondsCi95]).toEqual([mean, sd, ci]);
    // a livelocked seed has no cycles: the group's statistics are NaN, its n still counts the run
    expect([rows[2]!.cyclesMean, rows[2]!.cyclesSd, rows[2]!.cyclesCi95]).toEqual([NaN, NaN, NaN]);
    // one seed: a mean, no spread
    expect([rows[4]!.cyclesMean, rows[4]!.cyclesSd, rows[4]!.cyclesCi95]).toEqual([500, NaN, NaN]);
  });

  it("summarizes speedup and reduction of a speedup table by default", () => {
    const m = seedSummary(speedupTable(ROWS, { axis: "patch", baseline: "none" }));
    expect(m.columnNames()).toEqual(["depth", "patch", "sveVl", "n", "speedupMean", "speedupSd", "speedupCi95", "reductionMean", "reductionSd", "reductionCi95"]);
    const first = objects(m)[0]!;
    const [mean, sd, ci] = stats([100 / 80, 110 / 88]);
    expect([first.n, first.speedupMean, first.speedupSd, first.speedupCi95]).toEqual([2, mean, sd, ci]);
    expect(first.speedupMean).toBe(1.25);
    expect(first.speedupSd).toBe(0);
  });

  it("sums in row order (0.1 + 0.2 + 0.3 over 3 seeds is 0.20000000000000004, not an online mean's 0.2)", () => {
    const rows: SweepRow[] = [0.1, 0.2, 0.3].map((x, i) => ({ depth: 1, seed: i + 1, seconds: x, cycles: 1, overhead: 1 }));
    const r = objects(seedSummary(aq.from(rows), { metrics: ["seconds"] }))[0]!;
    expect(r.secondsMean).toBe(0.20000000000000004);
    const [, sd, ci] = stats([0.1, 0.2, 0.3]);
    expect([r.n, r.secondsSd, r.secondsCi95]).toEqual([3, sd, ci]);
    expect(r.secondsCi95).toBeCloseTo((4.303 * 0.1) / Math.sqrt(3), 12);
  });

  it("averages over another column, and over a table with no other parameter", () => {
    const byDepth = seedSummary(ROWS, { over: "depth", metrics: ["cycles"] });
    expect(byDepth.columnNames()).toEqual(["patch", "sveVl", "seed", "n", "cyclesMean", "cyclesSd", "cyclesCi95"]);
    expect(objects(byDepth).map((r) => [r.patch, r.sveVl, r.seed, r.n, r.cyclesMean])).toEqual([
      ["none", 0, 1, 2, 250], ["all", 0, 1, 3, (80 + 250 + 500) / 3], ["none", 0, 2, 2, NaN], ["all", 0, 2, 2, 194], ["none", 512, 1, 1, 18014398509481985], ["all", 512, 1, 1, 2 ** 53],
    ]);
    const one = seedSummary([{ seed: 1, cycles: 3 }, { seed: 2, cycles: 5 }], { metrics: ["cycles"] });
    expect(objects(one)).toEqual([{ n: 2, cyclesMean: 4, cyclesSd: Math.SQRT2, cyclesCi95: (12.706 * Math.SQRT2) / Math.SQRT2 }]);
  });

  it("gives NaN, not 0, when no seed of a group has the metric", () => {
    const rows: SweepRow[] = [1, 2].map((seed) => ({ depth: 4, seed, cycles: null, error: "livelock" }));
    expect(objects(seedSummary(rows, { metrics: ["cycles"] }))).toEqual([{ depth: 4, n: 2, cyclesMean: NaN, cyclesSd: NaN, cyclesCi95: NaN }]);
  });

  it("reads an arquero table in its order, through its filter, whatever its groups", () => {
    const t = resultsTable(ROWS).filter((d: { depth: number }) => d.depth === 1).orderby(aq.desc("seed")).groupby("seed");
    expect(objects(seedSummary(t, { metrics: ["cycles"] })).map((r) => [r.patch, r.sveVl, r.n, r.cyclesMean])).toEqual([
      ["none", 0, 2, 105], ["all", 0, 2, 84], ["none", 512, 1, 18014398509481985], ["all", 512, 1, 2 ** 53],
    ]);
    expect(objects(speedupTable(t, { axis: "patch", baseline: "none" })).map((r) => [r.seed, r.sveVl, r.speedup])).toEqual([
      [2, 0, 1.25], [1, 0, 1.25], [1, 512, 2],
    ]);
  });

  it("gives the summary columns and no rows for an empty table", () => {
    const m = seedSummary(resultsTable([]));
    expect(m.numRows()).toBe(0);
    expect(m.columnNames()).toEqual(["n", "cyclesMean", "cyclesSd", "cyclesCi95", "secondsMean", "secondsSd", "secondsCi95", "overheadMean", "overheadSd", "overheadCi95"]);
  });
});

describe("t95", () => {
  it("is Student's t for 1..30 degrees of freedom, 1.96 beyond, NaN below 1", () => {
    expect([t95(0), t95(1), t95(2), t95(30), t95(31)]).toEqual([NaN, 12.706, 4.303, 2.042, 1.96]);
  });
});
