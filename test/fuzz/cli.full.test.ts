import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fuzzCli, reportText } from "./run";

/**
 * The command-line fuzz suite at CI size (full tier): 3,000 generated cases (at least 2,000), in-process. `npm run fuzz`
 * runs it longer (NESTLAB_FUZZ_RUNS, NESTLAB_FUZZ_SEED). The report (cases, exits, value classes hit, caps) is printed
 * and written to $NESTLAB_FUZZ_REPORT when set.
 */
const CASES = Math.max(2000, Number(process.env.NESTLAB_FUZZ_RUNS ?? 3000));
const SEED = Number(process.env.NESTLAB_FUZZ_SEED ?? 17);
const root = mkdtempSync(join(tmpdir(), "nestlab-fuzz-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("command-line fuzz (the whole grammar, from the command registry)", () => {
  it(
    `${CASES} cases keep the contract, and every value class is hit`,
    async () => {
      const r = await fuzzCli(root, CASES, SEED);
      const text = reportText(r);
      console.log(text);
      if (process.env.NESTLAB_FUZZ_REPORT) writeFileSync(process.env.NESTLAB_FUZZ_REPORT, JSON.stringify({ ...r, text }, null, 2) + "\n");
      expect(r.missed).toEqual([]);
      expect(r.exits["0"] ?? 0).toBeGreaterThan(CASES / 5);
      expect(r.exits["2"] ?? 0).toBeGreaterThan(CASES / 5);
    },
    Math.max(600_000, CASES * 1000),
  );
});
