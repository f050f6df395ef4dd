import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { JOURNAL_FILE } from "../../lib/sweep/journal";
import { run, start } from "../cli/harness";

/**
 * Kill and resume: a sweep SIGKILLed at random moments (from outside, at any point: start-up, journal header, a row
 * half written, the result files) at least 10 times, resumed each time, ends with files byte for byte those of an
 * uninterrupted run, and a journal holding each run once.
 */
const GRID = ["--depth", "1,2,3", "--patch", "none,all", "--sve-vl", "0,512", "--io-rate", "20000", "--duration-ms", "20", "--seeds", "6", "--workers", "2"];
const FILES = ["results.csv", "results.json", "results.arrow"] as const;
const base = mkdtempSync(join(tmpdir(), "nestlab-kill-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** mulberry32: the kill moments are random but the same on every run of the test */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("sweep: SIGKILL at random moments, then --resume", () => {
  it("at least 10 kills, and the files equal an uninterrupted run's byte for byte", async () => {
    const ref = join(base, "ref");
    const r = run(["sweep", ...GRID, "--out", ref]);
    expect(r.code, r.err).toBe(0);
    const dir = join(base, "killed");
    const random = rng(17);
    let kills = 0;
    let finished = false;
    let sequences = 1;
    const moments: number[] = [];
    for (let attempt = 0; attempt < 80 && !finished; attempt++) {
      // after 10 kills, let it finish
      const delay = kills >= 10 ? undefined : Math.floor(random() * 1400);
      const p = start(["sweep", ...GRID, "--out", dir, "--resume"]);
      let err = "";
      p.stderr.on("data", (c: Buffer) => (err += c.toString()));
      const timer = delay === undefined ? undefined : setTimeout(() => p.kill("SIGKILL"), delay);
      const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((res) => p.on("close", (c, s) => res([c, s])));
      if (timer) clearTimeout(timer);
      if (signal === "SIGKILL") {
        kills++;
        moments.push(delay!);
        continue;
      }
      expect(code, err).toBe(0);
      // it ran to the end: the files of this sequence of kills must equal the uninterrupted run's; on a fast machine
      // the remaining work can end before the tenth kill, and then a new sequence starts from an empty directory
      for (const f of FILES) expect(readFileSync(join(dir, f)), f).toEqual(readFileSync(join(ref, f)));
      if (kills >= 10) finished = true;
      else {
        sequences++;
        rmSync(dir, { recursive: true, force: true });
      }
    }
    expect(finished).toBe(true);
    expect(kills).toBeGreaterThanOrEqual(10);
    for (const f of FILES) expect(readFileSync(join(dir, f)), f).toEqual(readFileSync(join(ref, f)));
    // no temporary file of a killed writer is left
    expect(readdirSync(dir).sort()).toEqual([JOURNAL_FILE, ...FILES].sort());
    const runs = readFileSync(join(dir, JOURNAL_FILE), "utf8").trim().split("\n").slice(1).map((l) => (JSON.parse(l) as { run: number }).run);
    expect(new Set(runs).size).toBe(runs.length);
    expect(runs.length).toBe(72);
    console.log(`kill and resume: ${kills} SIGKILLs at ${moments.join(", ")} ms over ${sequences} sequence(s), each run to the end`);
  }, 600_000);
});
