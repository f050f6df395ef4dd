import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { expect } from "vitest";
import { COMMANDS, runCli } from "../../lib/cli/main";
import { buildShards, CAPS, type Case, catalog, checkContract, drawCase, type Fixtures, LIST_MAX, LISTS_PER_CASE, makeFixtures, snapshot, ALWAYS } from "./grammar";

/** What a fuzz run did: its cases, exit codes, the value classes it hit, its time. */
export interface FuzzReport {
  readonly cases: number;
  readonly seed: number;
  readonly exits: Record<string, number>;
  readonly byCommand: Record<string, number>;
  readonly classesHit: number;
  readonly classesTotal: number;
  readonly missed: string[];
  readonly hits: Record<string, number>;
  readonly ms: number;
}

/**
 * Runs `cases` generated cases in-process (runCli), each in a fresh output directory of the sandbox `root`, checking
 * the contract of each; returns the report. fast-check shrinks a failing case to a minimal argv.
 */
export async function fuzzCli(root: string, cases: number, seed: number): Promise<FuzzReport> {
  const f: Fixtures = makeFixtures(root);
  await buildShards(f);
  // relative paths resolve in an empty directory of the sandbox, watched like the rest: nothing lands in the project
  const cwd = join(root, "cwd");
  mkdirSync(cwd);
  const home = process.cwd();
  process.chdir(cwd);
  try {
    return await fuzzCases(root, f, cwd, cases, seed);
  } finally {
    process.chdir(home);
  }
}

async function fuzzCases(root: string, f: Fixtures, cwd: string, cases: number, seed: number): Promise<FuzzReport> {
  const hits: Record<string, number> = {};
  const exits: Record<string, number> = {};
  const byCommand: Record<string, number> = {};
  let n = 0;
  const started = Date.now();
  await fc.assert(
    fc.asyncProperty(fc.gen(), async (g) => {
      const outDir = join(root, "out", String(n++));
      mkdirSync(outDir, { recursive: true });
      try {
        const c: Case = drawCase(g, f, outDir);
        const inputsBefore = { ...snapshot(f.inputs), ...prefixed("cwd/", snapshot(cwd)) };
        const shardsBefore = snapshot(join(root, "shards"));
        const outBefore = snapshot(outDir);
        let out = "";
        let err = "";
        const code = await runCli(c.argv.slice(), { out: (t) => void (out += t), err: (t) => void (err += t) });
        const r = { code, out, err };
        const inputsAfter = { ...snapshot(f.inputs), ...prefixed("cwd/", snapshot(cwd)) };
        const shardsAfter = snapshot(join(root, "shards"));
        expect(shardsAfter, `argv ${JSON.stringify(c.argv)}: the shard fixtures changed`).toEqual(shardsBefore);
        checkContract(c, r, { inputsBefore, inputsAfter, outBefore, outAfter: snapshot(outDir), outDir });
        for (const k of c.classes) hits[k] = (hits[k] ?? 0) + 1;
        exits[String(code)] = (exits[String(code)] ?? 0) + 1;
        byCommand[c.argv[0]!] = (byCommand[c.argv[0]!] ?? 0) + 1;
      } finally {
        rmSync(outDir, { recursive: true, force: true });
      }
    }),
    { numRuns: cases, seed, endOnFailure: false, interruptAfterTimeLimit: undefined },
  );
  const all = catalog(COMMANDS);
  const missed = all.filter((k) => !hits[k]);
  return { cases, seed, exits, byCommand, classesHit: all.length - missed.length, classesTotal: all.length, missed, hits, ms: Date.now() - started };
}

function prefixed(p: string, t: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(t).map(([k, v]) => [p + k, v]));
}

/** The report as text: counts, exits, commands, classes hit (and missed), and the caps. */
export function reportText(r: FuzzReport): string {
  const caps = Object.entries(CAPS).map(([k, v]) => `--${k} ${v.min}..${v.max}`).join(", ");
  return [
    `command-line fuzz: ${r.cases} cases (seed ${r.seed}) in ${(r.ms / 1000).toFixed(1)} s`,
    `  exits: ${Object.entries(r.exits).map(([k, v]) => `${k}: ${v}`).join(", ")}`,
    `  commands: ${Object.entries(r.byCommand).map(([k, v]) => `${k} ${v}`).join(", ")}`,
    `  value classes hit: ${r.classesHit} of ${r.classesTotal}${r.missed.length ? ` (missed: ${r.missed.join(", ")})` : ""}`,
    `  caps on valid values: ${caps}; always given when a command has them: ${ALWAYS.map((a) => "--" + a).join(", ")}; lists of at most ${LIST_MAX} items, at most ${LISTS_PER_CASE} list options per case`,
  ].join("\n");
}
