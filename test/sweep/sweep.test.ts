import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../lib/cli/main";
import { KILL_AFTER_ENV } from "../../lib/cli/commands/sweep";
import { deriveSeeds, planSweep } from "../../lib/sweep/grid";
import { readResults } from "../../lib/sweep/output";
import { runSweep } from "../../lib/sweep/sweep";
import { resultsTable, seedSummary, speedupTable } from "../../lib/sweep/table";

const ROOT = join(__dirname, "..", "..");
const tmp = (): string => mkdtempSync(join(tmpdir(), "nestlab-sweep-"));

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCli(argv, { out: (t) => void (out += t), err: (t) => void (err += t) });
  return { code, out, err };
}

/** 3 depths x 2 patch levels x 2 vector lengths x 2 seeds = 24 short runs */
const GRID = ["--depth", "1,2,3", "--patch", "none,all", "--sve-vl", "0,512", "--io-rate", "20000", "--duration-ms", "20", "--seeds", "2"];
const FILES = ["results.csv", "results.json", "results.arrow"] as const;
const read = (dir: string): Record<string, Buffer> => Object.fromEntries(FILES.map((f) => [f, readFileSync(join(dir, f))]));

let reference: string;

beforeAll(async () => {
  reference = join(tmp(), "ref");
  const r = await cli("sweep", ...GRID, "--workers", "1", "--out", reference);
  expect(r.code, r.err).toBe(0);
});

describe("nestlab sweep", () => {
  it("writes one row per point and seed with all parameters and metrics", () => {
    const doc = readResults(reference);
    expect(doc.rows).toHaveLength(24);
    expect(doc.rows.map((r) => r.run)).toEqual(Array.from({ length: 24 }, (_, i) => i));
    const cols = doc.columns.map((c) => c.name);
    for (const c of ["depth", "patch", "sveVl", "ioRate", "seed", "cycles", "seconds", "usefulCycles", "leafExits", "l0Traps", "fpTraps", "fpSaves", "fpRestores", "nestedExceptions", "nestedErets", "overhead"]) {
      expect(cols).toContain(c);
    }
    expect(new Set(doc.rows.map((r) => r.seed))).toEqual(new Set(deriveSeeds(1, 2)));
    const csv = readFileSync(join(reference, "results.csv"), "utf8").trim().split("\n");
    expect(csv).toHaveLength(25);
  });

  it("gives byte-identical files whatever the number of workers", async () => {
    const dir = join(tmp(), "w2");
    const r = await cli("sweep", ...GRID, "--workers", "2", "--out", dir);
    expect(r.code, r.err).toBe(0);
    expect(read(dir)).toEqual(read(reference));
  });

  it("resumes after a SIGKILL with nothing lost and nothing duplicated", () => {
    const dir = join(tmp(), "killed");
    const bin = join(ROOT, "lib", "cli", "bin.cjs");
    const killed = spawnSync(process.execPath, [bin, "sweep", ...GRID, "--workers", "2", "--out", dir], {
      cwd: ROOT,
      env: { ...process.env, [KILL_AFTER_ENV]: "7" },
      encoding: "utf8",
    });
    expect(killed.signal).toBe("SIGKILL");
    expect(existsSync(join(dir, "results.json"))).toBe(false);
    const journaled = readFileSync(join(dir, "journal.jsonl"), "utf8").trim().split("\n").length - 1;
    expect(journaled).toBeGreaterThanOrEqual(7);
    expect(journaled).toBeLessThan(24);
    // a row torn in the middle of its write, as a kill during write() leaves it
    appendFileSync(join(dir, "journal.jsonl"), '{"run":23,"row":{"run":23,"po');
    // without --resume the directory is refused, untouched
    const refused = spawnSync(process.execPath, [bin, "sweep", ...GRID, "--out", dir], { cwd: ROOT, encoding: "utf8" });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/--out .*--resume/);
    const resumed = spawnSync(process.execPath, [bin, "sweep", ...GRID, "--workers", "2", "--out", dir, "--resume"], { cwd: ROOT, encoding: "utf8" });
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(read(dir)).toEqual(read(reference));
    const runs = readFileSync(join(dir, "journal.jsonl"), "utf8").trim().split("\n").slice(1).map((l) => (JSON.parse(l) as { run: number }).run);
    expect(runs).toHaveLength(24);
    expect(new Set(runs).size).toBe(24);
  });

  it("refuses to resume a different grid", async () => {
    const r = await cli("sweep", ...GRID.map((a) => (a === "1,2,3" ? "1,2" : a)), "--out", reference, "--resume");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--out .*holds the results of another sweep .*differ in the grid/);
  });

  it("shards merge into the result set of one run", async () => {
    const base = tmp();
    const dirs = [0, 1, 2].map((i) => join(base, `shard${i}`));
    for (const [i, d] of dirs.entries()) {
      const r = await cli("sweep", ...GRID, "--workers", "1", "--shard", `${i}/3`, "--out", d);
      expect(r.code, r.err).toBe(0);
      expect(readResults(d).rows).toHaveLength(8);
    }
    const merged = join(base, "merged");
    const incomplete = await cli("merge", dirs[0]!, dirs[2]!, "--out", merged);
    expect(incomplete.code).toBe(2);
    expect(incomplete.err).toMatch(/cannot merge the directories given: shard\(s\) 1\/3 missing/);
    expect(existsSync(merged)).toBe(false);
    const r = await cli("merge", dirs[2]!, dirs[0]!, dirs[1]!, "--out", merged);
    expect(r.code, r.err).toBe(0);
    expect(read(merged)).toEqual(read(reference));
  });

  it("lists the combinations the model forbids on stderr and runs the rest", async () => {
    const r = await cli("sweep", "--depth", "1,2,3", "--patch", "none,1", "--guest-hyp", "vhe", "--duration-ms", "5", "--workers", "0");
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/skipped 1 combination/);
    expect(r.err).toMatch(/^  depth=1 patch=1: --patch '1': accepted .*levels 0\.\.0 at depth 1$/m);
    expect(r.out.trim().split("\n")).toHaveLength(6); // header + 5 runs
    const nvhe = await cli("sweep", "--depth", "1,2,3", "--guest-hyp", "vhe,nvhe", "--duration-ms", "5", "--workers", "0");
    expect(nvhe.code, nvhe.err).toBe(0);
    expect(nvhe.err).toMatch(/^  depth=1 guest-hyp=nvhe: --guest-hyp 'nvhe': accepted .*only with --depth 2/m);
    expect(nvhe.err).toMatch(/^  depth=3 guest-hyp=nvhe: --guest-hyp 'nvhe'/m);
  });

  const bad: [string, unknown, RegExp][] = [
    ["out-of-range value", { axes: { depth: [1, 9] } }, /--grid '.*: axes\.depth\[1\]=9': accepted integers 1\.\.8/],
    ["unknown axis", { axes: { dpth: [1] } }, /--grid '.*: axes\.dpth': accepted axes workload, depth/],
    ["zip lengths", { zip: [{ depth: [1, 2], "sve-vl": [0] }] }, /zip\[0\]\.sve-vl=\[0\]': accepted a list as long as depth's/],
    ["unknown key", { axis: {} }, /--grid '.*: axis': accepted grid keys/],
    ["bad seeds", { seeds: 0 }, /seeds=0': accepted an integer 1\.\.10000/],
  ];
  for (const [what, grid, re] of bad) {
    it(`rejects a bad grid (${what}) with exit 2, the field named, nothing written`, async () => {
      const dir = tmp();
      const file = join(dir, "grid.json");
      writeFileSync(file, JSON.stringify(grid));
      const out = join(dir, "out");
      const r = await cli("sweep", "--grid", file, "--out", out);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(re);
      expect(r.err.trim().split("\n")).toHaveLength(1);
      expect(existsSync(out)).toBe(false);
    });
  }

  it("rejects bad flags with exit 2 and the flag named", async () => {
    for (const [args, re] of [
      [["--depth", "1,0"], /--depth '0': accepted integers 1\.\.8/],
      [["--sve-vl", "384"], /--sve-vl '384'/],
      [["--shard", "3/3"], /--shard '3\/3'/],
      [["--resume"], /--resume/],
      [["--depth", "1", "--patch", "1"], /every combination of the grid is forbidden/],
    ] as [string[], RegExp][]) {
      const r = await cli("sweep", ...args, "--duration-ms", "5");
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.err).toMatch(re);
    }
  });
});

describe("sweep library and tables", () => {
  it("runs a grid file's zipped axes from a notebook-style call, in process", async () => {
    const plan = planSweep({ axes: { depth: [2], "duration-ms": 5 }, zip: [{ workload: ["idle", "io-heavy"], "io-rate": [10, 5000] }], seed: [3, 4] });
    expect(plan.runs).toBe(4);
    const doc = await runSweep(plan, { workers: 0 });
    expect(doc.rows.map((r) => [r.workload, r.ioRate, r.seed])).toEqual([
      ["idle", 10, 3], ["idle", 10, 4], ["io-heavy", 5000, 3], ["io-heavy", 5000, 4],
    ]);
  });

  it("computes speedup against a baseline and mean / 95% CI over seeds", () => {
    const t = resultsTable(readResults(reference).rows);
    expect(t.numRows()).toBe(24);
    const s = speedupTable(t, { axis: "patch", baseline: "none" });
    expect(s.numRows()).toBe(12);
    const rows = s.objects() as Record<string, number | string>[];
    for (const r of rows) {
      expect(r.patch).toBe("all");
      expect(r.speedup).toBeCloseTo((r.baselineCycles as number) / (r.cycles as number), 12);
    }
    // depth 1: the patch has no nested transitions to elide, so nothing changes
    expect(rows.filter((r) => r.depth === 1).every((r) => r.speedup === 1)).toBe(true);
    const m = seedSummary(s);
    expect(m.numRows()).toBe(6);
    const first = m.objects()[0] as Record<string, number>;
    expect(first.n).toBe(2);
    expect(first.speedupCi95).toBeGreaterThanOrEqual(0);
  });
});
