import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../lib/cli/main";
import { specFingerprint } from "../../lib/sweep/grid";
import { modelIdentity } from "../../lib/sweep/identity";
import { JOURNAL_FILE } from "../../lib/sweep/journal";
import { readResults } from "../../lib/sweep/output";
import { workerLimit } from "../../lib/sweep/pool";
import type { SweepRow } from "../../lib/sweep/rows";
import { rowSum } from "../../lib/sweep/verify";
import { parseJsonNumber } from "../../lib/util/values";
import { canMknod, cli, expectOneLine, scratch, tree } from "./harness";

/**
 * Issue 17 ("no file overwritten by mistake, no hang, no silent nonsense"): one describe block per numbered case,
 * each reproducing the report's command, in-process; and the three command-line points of issue 16. The cases that
 * need whole processes (signals, pipes, FIFO readers, concurrent writers, another user, hang guards: #1, #2, #7, #8,
 * #13, #16) continue in reliability.full.test.ts.
 */
const { base, tmp } = scratch("nestlab-rel-");
const MKNOD = canMknod(base);

/** a short sweep: 2 depths x 2 seeds, 1 ms each */
const SWEEP = ["--depth", "1,2", "--seeds", "2", "--duration-ms", "1", "--workers", "0"];
const PROFILE = { ioRate: 5000, ioUserFraction: 0.5, ioIrqFraction: 0.5, ipiRate: 100, s2FaultRate: 10, wfiRate: 10, fpUse: 0.5, timerHz: 250 };

/** A finished sweep in `dir`, then interrupted after `keep` journaled rows: results removed, journal cut. */
async function interrupted(dir: string, argv: string[], keep: number): Promise<void> {
  const r = await cli("sweep", ...argv, "--out", dir);
  expect(r.code, r.err).toBe(0);
  for (const f of ["results.csv", "results.json", "results.arrow"]) rmSync(join(dir, f));
  const lines = readFileSync(join(dir, JOURNAL_FILE), "utf8").split("\n");
  writeFileSync(join(dir, JOURNAL_FILE), lines.slice(0, 1 + keep).join("\n") + "\n");
}

describe("#1 trace --out never replaces a device node, FIFO or symlink", () => {
  it.skipIf(!MKNOD)("writes into a character device (mknod null c 1 3), which stays one" + (MKNOD ? "" : " [skipped: mknod needs CAP_MKNOD]"), async () => {
    const d = tmp();
    expect(spawnSync("mknod", [join(d, "null"), "c", "1", "3"]).status).toBe(0);
    const r = await cli("trace", "--out", join(d, "null"), "--duration-ms", "0.1");
    expect(r.code, r.err).toBe(0);
    expect(lstatSync(join(d, "null")).isCharacterDevice()).toBe(true);
    expect(readdirSync(d)).toEqual(["null"]);
  });

  it("a symlink to a file stays a symlink; its target gets the trace", async () => {
    const d = tmp();
    writeFileSync(join(d, "target.json"), "old");
    symlinkSync("target.json", join(d, "link.json"));
    const r = await cli("trace", "--out", join(d, "link.json"), "--duration-ms", "0.1");
    expect(r.code, r.err).toBe(0);
    expect(lstatSync(join(d, "link.json")).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(join(d, "target.json"), "utf8"))).toHaveProperty("traceEvents");
    expect(readdirSync(d).sort()).toEqual(["link.json", "target.json"]);
  });

  it("a FIFO nobody reads is refused at once (exit 2, nothing written)", async () => {
    const d = tmp();
    const fifo = join(d, "fifo");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    const before = tree(d);
    const t0 = Date.now();
    expectOneLine(await cli("trace", "--out", fifo, "--duration-ms", "0.1"), /--out '.*fifo'.*a FIFO that nobody reads/);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(tree(d)).toEqual(before);
  });

  it("refuses a directory, a socket and a dangling symlink (exit 2, nothing written)", async () => {
    const d = tmp();
    mkdirSync(join(d, "dir"));
    symlinkSync("missing/x.json", join(d, "dangling"));
    const server = createServer();
    await new Promise<void>((r) => server.listen(join(d, "sock"), r));
    try {
      const before = tree(d);
      expectOneLine(await cli("trace", "--out", join(d, "dir"), "--duration-ms", "0.1"), /--out .*this is a directory/);
      expectOneLine(await cli("trace", "--out", join(d, "sock"), "--duration-ms", "0.1"), /--out .*this is a socket/);
      expectOneLine(await cli("trace", "--out", join(d, "dangling"), "--duration-ms", "0.1"), /--out .*symbolic link to a missing file/);
      expect(tree(d)).toEqual(before);
    } finally {
      server.close();
    }
  });
});

describe("#2 no predictable temporary name", () => {
  it("a symlink planted at FILE.tmp is never followed", async () => {
    const d = tmp();
    writeFileSync(join(d, "victim"), "victim");
    symlinkSync("victim", join(d, "t1.json.tmp"));
    const r = await cli("trace", "--out", join(d, "t1.json"), "--duration-ms", "0.1");
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(join(d, "victim"), "utf8")).toBe("victim");
    expect(JSON.parse(readFileSync(join(d, "t1.json"), "utf8"))).toHaveProperty("traceEvents");
    expect(readdirSync(d).sort()).toEqual(["t1.json", "t1.json.tmp", "victim"]);
  });

});

describe("#3 --resume and merge never mix input versions", () => {
  it("a workload file edited before --resume is refused, naming the file", async () => {
    const d = tmp();
    const prof = join(d, "prof.json");
    writeFileSync(prof, JSON.stringify(PROFILE));
    const out = join(d, "out");
    const argv = ["--workload", prof, ...SWEEP];
    await interrupted(out, argv, 2);
    writeFileSync(prof, JSON.stringify({ ...PROFILE, ioRate: 9000 }));
    const before = tree(out);
    expectOneLine(await cli("sweep", ...argv, "--out", out, "--resume"), /--resume .*differs from this one in the workload file .*prof\.json/);
    expect(tree(out)).toEqual(before);
    // with the file as it was, the sweep resumes
    writeFileSync(prof, JSON.stringify(PROFILE));
    const ok = await cli("sweep", ...argv, "--out", out, "--resume");
    expect(ok.code, ok.err).toBe(0);
    expect(readResults(out).rows.every((r) => r.ioRate === 5000)).toBe(true);
  });

  it("edited unit costs and an edited grid file are refused, naming them", async () => {
    const d = tmp();
    const costs = join(d, "costs.json");
    const grid = join(d, "grid.json");
    writeFileSync(costs, JSON.stringify({ vmmMmio: 2000 }));
    writeFileSync(grid, JSON.stringify({ axes: { depth: [1, 2], "duration-ms": [1] }, seeds: 2 }));
    const out = join(d, "out");
    const argv = ["--grid", grid, "--costs", costs, "--workers", "0"];
    await interrupted(out, argv, 1);
    writeFileSync(costs, JSON.stringify({ vmmMmio: 2500 }));
    expectOneLine(await cli("sweep", ...argv, "--out", out, "--resume"), /differs from this one in the unit costs \(--costs .*costs\.json/);
    writeFileSync(costs, JSON.stringify({ vmmMmio: 2000 }));
    writeFileSync(grid, JSON.stringify({ axes: { depth: [1, 3], "duration-ms": [1] }, seeds: 2 }));
    expectOneLine(await cli("sweep", ...argv, "--out", out, "--resume"), /differs from this one in the grid \(--grid .*grid\.json/);
  });

  it("the model's identity is in the fingerprint: a journal of another model is refused, naming the model", async () => {
    const out = tmp();
    await interrupted(out, SWEEP, 1);
    const lines = readFileSync(join(out, JOURNAL_FILE), "utf8").split("\n");
    const header = JSON.parse(lines[0]!) as { fingerprint: string; model: string; spec: never };
    const other = "7.3-rc7+0000000000000000";
    writeFileSync(join(out, JOURNAL_FILE), [JSON.stringify({ ...header, model: other, fingerprint: specFingerprint(header.spec, other) }), ...lines.slice(1)].join("\n"));
    expectOneLine(await cli("sweep", ...SWEEP, "--out", out, "--resume"), new RegExp(`in the model \\(7\\.3-rc7\\+0{16} against ${modelIdentity().replace(/[+.]/g, "\\$&")}`));
  });

  it("merge refuses shards run with different workload file contents, naming the file", async () => {
    const d = tmp();
    const prof = join(d, "prof.json");
    const argv = ["--workload", prof, ...SWEEP];
    writeFileSync(prof, JSON.stringify(PROFILE));
    expect((await cli("sweep", ...argv, "--shard", "0/2", "--out", join(d, "s0"))).code).toBe(0);
    writeFileSync(prof, JSON.stringify({ ...PROFILE, fpUse: 0.9 }));
    expect((await cli("sweep", ...argv, "--shard", "1/2", "--out", join(d, "s1"))).code).toBe(0);
    expectOneLine(await cli("merge", join(d, "s0"), join(d, "s1"), "--out", join(d, "m")), /cannot merge '.*s1': it is a shard of another sweep .*the workload file .*prof\.json/);
    expect(existsSync(join(d, "m"))).toBe(false);
  });
});

describe("#4 the results of another sweep are never replaced", () => {
  it("sweep --resume --out DIR holding another sweep's merged results is refused, DIR untouched", async () => {
    const d = tmp();
    for (const i of [0, 1]) expect((await cli("sweep", ...SWEEP, "--shard", `${i}/2`, "--out", join(d, `s${i}`))).code).toBe(0);
    const merged = join(d, "merged");
    expect((await cli("merge", join(d, "s0"), join(d, "s1"), "--out", merged)).code).toBe(0);
    const before = tree(merged);
    const bytes = readFileSync(join(merged, "results.json"));
    expectOneLine(await cli("sweep", "--depth", "1,3", "--duration-ms", "1", "--workers", "0", "--resume", "--out", merged), /--out .*holds the results of another sweep/);
    expectOneLine(await cli("sweep", ...SWEEP, "--out", merged), /--out .*holds the results of a sweep/);
    expect(tree(merged)).toEqual(before);
    // merging the same shards again rewrites the same bytes; other results are refused
    expect((await cli("merge", join(d, "s0"), join(d, "s1"), "--out", merged)).code).toBe(0);
    expect(readFileSync(join(merged, "results.json"))).toEqual(bytes);
    const other = join(d, "other");
    expect((await cli("sweep", "--depth", "3", "--duration-ms", "1", "--workers", "0", "--out", other)).code).toBe(0);
    const otherBefore = tree(other);
    expectOneLine(await cli("merge", join(d, "s0"), join(d, "s1"), "--out", other), /--out .*holds (a sweep journal|the results of another sweep)/);
    expect(tree(other)).toEqual(otherBefore);
    rmSync(join(other, JOURNAL_FILE));
    const noJournal = tree(other);
    expectOneLine(await cli("merge", join(d, "s0"), join(d, "s1"), "--out", other), /--out .*holds the results of another sweep/);
    expect(tree(other)).toEqual(noJournal);
  });
});

describe("#5 prototype names are no values", () => {
  const bad: [string[], RegExp][] = [
    [["sweep", "--nv2", "constructor"], /--nv2 'constructor': accepted on, off/],
    [["sweep", "--nv2", "__proto__"], /--nv2 '__proto__'/],
    [["sweep", "--nv2", "toString,off"], /--nv2 'toString'/],
    [["sweep", "--workload", "constructor"], /--workload 'constructor'/],
    [["run", "--workload", "constructor"], /--workload 'constructor'/],
    [["run", "--workload", "__proto__"], /--workload '__proto__'/],
    [["run", "--guest-hyp", "toString"], /--guest-hyp 'toString'/],
    [["micro", "constructor"], /op 'constructor'/],
    [["check", "--policy", "hasOwnProperty"], /--policy 'hasOwnProperty'/],
    [["trace", "--events", "toString"], /--events 'toString'/],
    [["trace", "--events", "kvm:constructor"], /--events 'kvm:constructor'/],
    [["__proto__"], /command '__proto__'/],
  ];
  for (const [argv, re] of bad) it(`refused: ${argv.join(" ")}`, async () => expectOneLine(await cli(...argv), re));

  const files: [string, string, string, RegExp][] = [
    ["--costs", "run", '{"__proto__":5}', /--costs '.*: __proto__': accepted unit-cost names/],
    ["--costs", "run", '{"constructor":5}', /--costs '.*: constructor'/],
    ["--grid", "sweep", '{"__proto__":{}}', /--grid '.*: __proto__'/],
    ["--grid", "sweep", '{"axes":{"__proto__":[1]}}', /--grid '.*axes\.__proto__'/],
    ["--grid", "sweep", '{"axes":{"nv2":["constructor"]}}', /--grid '.*axes\.nv2\[0\]="constructor"': accepted on, off/],
    ["--grid", "sweep", '{"axes":{"nv2":["toString","off"]}}', /--grid '.*axes\.nv2\[0\]="toString"'/],
    ["--grid", "sweep", '{"costs":{"toString":1}}', /--grid '.*costs\.toString=1'/],
    ["--grid", "sweep", '{"costs":{"__proto__":1}}', /--grid '.*costs\.__proto__=1'/],
    ["--workload", "run", JSON.stringify(PROFILE).replace("{", '{"__proto__":1,'), /--workload '.*: __proto__'/],
  ];
  for (const [flag, cmd, content, re] of files) {
    it(`refused in a file: ${cmd} ${flag} ${content.slice(0, 60)}`, async () => {
      const d = tmp();
      const f = join(d, "f.json");
      writeFileSync(f, content);
      expectOneLine(await cli(cmd, flag, f, "--duration-ms", "1"), re);
    });
  }
});

describe("#6 journal lines and shard rows are checked, not trusted", () => {
  async function journaled(): Promise<{ out: string; lines: string[] }> {
    const out = tmp();
    await interrupted(out, SWEEP, 3);
    return { out, lines: readFileSync(join(out, JOURNAL_FILE), "utf8").trimEnd().split("\n") };
  }
  const resume = (out: string) => cli("sweep", ...SWEEP, "--out", out, "--resume");

  it('an appended {"run":20,"row":{}} is refused, naming file and line', async () => {
    const { out, lines } = await journaled();
    appendFileSync(join(out, JOURNAL_FILE), '{"run":20,"row":{}}\n');
    expectOneLine(await resume(out), new RegExp(`journal\\.jsonl line ${lines.length + 1}: not a journaled row`));
  });

  it("an edited metric or parameter fails its checksum; a forged checksum fails the plan", async () => {
    const { out, lines } = await journaled();
    const entry = JSON.parse(lines[2]!) as { run: number; row: Record<string, unknown>; sum: string };
    const edit = (row: Record<string, unknown>, sum: string): void => {
      writeFileSync(join(out, JOURNAL_FILE), [...lines.slice(0, 2), JSON.stringify({ run: entry.run, row, sum }), ...lines.slice(3)].join("\n") + "\n");
    };
    edit({ ...entry.row, cycles: 12345 }, entry.sum);
    expectOneLine(await resume(out), /journal\.jsonl line 3: its checksum does not match/);
    const forged = { ...entry.row, depth: 8 };
    edit(forged, rowSum(JSON.parse(lines[0]!).fingerprint as string, forged as SweepRow));
    expectOneLine(await resume(out), /journal\.jsonl line 3: run 1 has depth 1 in the plan, not 8/);
    const empty = { ...entry.row, cycles: "x" };
    edit(empty, rowSum(JSON.parse(lines[0]!).fingerprint as string, empty as SweepRow));
    expectOneLine(await resume(out), /line 3: cycles is "x", not an exact count/);
  });

  it("a row repeated word for word, a torn or garbage last line: repaired, and the results are the uninterrupted run's", async () => {
    const ref = tmp();
    expect((await cli("sweep", ...SWEEP, "--out", ref)).code).toBe(0);
    const { out, lines } = await journaled();
    appendFileSync(join(out, JOURNAL_FILE), `${lines[3]}\n#garbage\n`);
    const r = await resume(out);
    expect(r.code, r.err).toBe(0);
    for (const f of ["results.csv", "results.json", "results.arrow"]) expect(readFileSync(join(out, f))).toEqual(readFileSync(join(ref, f)));
  });

  it("an edited shard row is refused by merge, naming file and line", async () => {
    const d = tmp();
    for (const i of [0, 1]) expect((await cli("sweep", ...SWEEP, "--shard", `${i}/2`, "--out", join(d, `s${i}`))).code).toBe(0);
    const file = join(d, "s1", "results.json");
    const text = readFileSync(file, "utf8");
    const lines = text.split("\n");
    const at = lines.findIndex((l) => l.startsWith('  {"run":3,'));
    expect(at).toBeGreaterThan(0);
    lines[at] = lines[at]!.replace(/"cycles":\d+/, '"cycles":12345');
    writeFileSync(file, lines.join("\n"));
    expectOneLine(await cli("merge", join(d, "s0"), join(d, "s1"), "--out", join(d, "m")), new RegExp(`cannot merge '.*s1': .*results\\.json line ${at + 1}: its checksum does not match`));
    expect(existsSync(join(d, "m"))).toBe(false);
  });
});

describe("#7 path mistakes are one line, exit 2, before any work", () => {
  it("trace --out DIR, sweep --out FILE/sub, a dangling symlink, a journal that is a directory, merge --out FILE", async () => {
    const d = tmp();
    mkdirSync(join(d, "somedir"));
    writeFileSync(join(d, "afile"), "x");
    symlinkSync(join(d, "missing", "dir"), join(d, "dangling"));
    mkdirSync(join(d, "withjournal", JOURNAL_FILE), { recursive: true });
    const before = tree(d);
    const long = ["--duration-ms", "600000", "--depth", "8"]; // would run for minutes: the error must come first
    const t0 = Date.now();
    expectOneLine(await cli("trace", "--out", join(d, "somedir"), ...long), /--out .*this is a directory/);
    expectOneLine(await cli("sweep", "--out", join(d, "afile", "sub"), ...long), /--out .*afile is a regular file, not a directory/);
    expectOneLine(await cli("sweep", "--out", join(d, "dangling"), ...long), /--out .*symbolic link to a missing directory/);
    expectOneLine(await cli("trace", "--out", join(d, "dangling"), ...long), /--out .*symbolic link to a missing file/);
    expectOneLine(await cli("sweep", "--out", join(d, "withjournal"), "--resume", ...long), /--out .*journal\.jsonl is a directory/);
    expectOneLine(await cli("merge", join(d, "somedir"), "--out", join(d, "afile")), /--out .*this is a regular file/);
    expectOneLine(await cli("trace", "--out", join(d, "nodir", "t.json"), ...long), /--out .*directory .*nodir does not exist/);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(tree(d)).toEqual(before);
  });

});

describe("#9 no nonsense accepted: every numeric option is bounded, NaN never printed", () => {
  for (const argv of [["run", "--clock-ghz", "1e-300"], ["run", "--duration-ms", "5e-324"], ["compare", "--clock-ghz", "1e-12"]]) {
    it(`refused: ${argv.join(" ")}`, async () => expectOneLine(await cli(...argv), new RegExp(`${argv[1]} '${argv[2]}': accepted a number`)));
  }
  it("the smallest accepted clock and duration give numbers (no NaN, no null)", async () => {
    for (const argv of [
      ["run", "--clock-ghz", "0.1", "--duration-ms", "0.001", "--json"],
      ["compare", "--clock-ghz", "0.1", "--duration-ms", "0.001", "--json", "--depth", "2"],
      ["micro", "hvc", "--clock-ghz", "0.1", "--json"],
      ["sweep", "--clock-ghz", "0.1", "--duration-ms", "0.001", "--workers", "0"],
    ]) {
      const r = await cli(...argv);
      expect(r.code, r.err).toBe(0);
      expect(r.out).not.toMatch(/NaN|Infinity|null/);
    }
  });
});

describe("#10 one number grammar (JSON's) for every numeric flag and grid value", () => {
  it("parseJsonNumber: JSON's grammar exactly", () => {
    for (const w of ["0", "1", "-0", "1e3", "0.5", "1E-2", "12", "-7.25e+2"]) expect(parseJsonNumber(w), w).toBe(Number(w) || 0);
    for (const w of ["0x5", "0b11", "0o7", " 12 ", "12 ", "5\n", ".5", "5.", "+1", "01", "1e", "--1", "NaN", "Infinity", "", "1_000", "１", "1e309", "1e-400"]) {
      expect(parseJsonNumber(w), JSON.stringify(w)).toBeUndefined();
    }
  });
  const words = ["0x5", "0b11", "0o7", " 12 ", "5\n", ".5", "5.", "+1"];
  for (const [cmd, flag] of [["micro hvc", "--depth"], ["run", "--seed"], ["run", "--clock-ghz"], ["micro hvc", "--iterations"], ["sweep", "--depth"], ["sweep", "--io-rate"], ["sweep", "--seeds"], ["check", "--steps"]] as const) {
    it(`${cmd} ${flag} refuses ${words.map((w) => JSON.stringify(w)).join(", ")}, echoing the word`, async () => {
      for (const w of words) {
        const r = await cli(...cmd.split(" "), flag, w);
        expectOneLine(r, new RegExp(`${flag} '${w.replace("\n", "\\\\n").replace(/[.+]/g, "\\$&")}'`));
      }
    });
  }
  it("1e3 and 0.5 are numbers; integers where an integer is meant; -0 is 0 for run and sweep alike", async () => {
    expect((await cli("micro", "hvc", "--iterations", "1e1", "--json")).code).toBe(0);
    expectOneLine(await cli("micro", "hvc", "--depth", "1.5"), /--depth '1\.5': accepted an integer 1\.\.8/);
    expect(JSON.parse((await cli("run", "--seed", "-0", "--duration-ms", "0.5", "--json")).out).seed).toBe(0);
    const s = await cli("sweep", "--seed", "-0", "--duration-ms", "0.5", "--workers", "0", "--json");
    expect(s.code, s.err).toBe(0);
    expect((JSON.parse(s.out) as { rows: SweepRow[] }).rows[0]!.seed).toBe(0);
    expectOneLine(await cli("sweep", "--seed", "1,x"), /--seed 'x': accepted integers/);
  });
  it("grid files: numbers as JSON numbers or strings of the same grammar", async () => {
    const d = tmp();
    const grid = join(d, "g.json");
    writeFileSync(grid, JSON.stringify({ axes: { depth: ["0x1"] } }));
    expectOneLine(await cli("sweep", "--grid", grid), /--grid '.*axes\.depth\[0\]="0x1"'/);
    writeFileSync(grid, JSON.stringify({ axes: { depth: ["1", 2], "duration-ms": ["1e-1"] } }));
    expect((await cli("sweep", "--grid", grid, "--workers", "0")).code).toBe(0);
  });
});

describe("#11 one line on stderr: echoed values are printable", () => {
  it("a value with a newline or ANSI escapes is escaped", async () => {
    expectOneLine(await cli("run", "--workload", "a\nb"), /--workload 'a\\nb'/);
    expectOneLine(await cli("run", "--guest-hyp", "\x1b[31mred"), /--guest-hyp '\\x1b\[31mred'/);
    expectOneLine(await cli("run", "--costs", "/no\nsuch\u2028file"), /--costs '\/no\\nsuch\\u2028file'/);
    expectOneLine(await cli("frob\r\x07"), /command 'frob\\r\\x07'/);
    const long = await cli("run", "--workload", "x".repeat(10_000));
    expectOneLine(long, /\.\.\.\(10000 characters\)/);
    expect(long.err.length).toBeLessThan(1000);
  });
});

describe("#12 repeated and stray flags", () => {
  it("a single-valued option given twice is refused (the first is never silently dropped)", async () => {
    expectOneLine(await cli("run", "--costs", "a.json", "--costs", "b.json"), /--costs given twice \('a\.json' and 'b\.json'\)/);
    expectOneLine(await cli("run", "--depth", "2", "--depth=2"), /--depth given twice/);
    expectOneLine(await cli("run", "--nv2", "--no-nv2"), /--nv2 given twice/);
    expectOneLine(await cli("sweep", "--nv2", "--nv2", "off"), /--nv2 given twice/);
  });
  it("--version and --help take nothing else; unknown flags are refused by every command", async () => {
    expectOneLine(await cli("--version", "--bogus"), /unexpected argument '--bogus' after --version/);
    expectOneLine(await cli("--help", "run"), /unexpected argument 'run' after --help/);
    expect((await cli("help", "run")).out).toMatch(/usage: nestlab run/);
    for (const c of COMMANDS) {
      const r = await cli(c.name, "--bogus-flag");
      expectOneLine(r, /unknown option --bogus-flag/);
    }
  });
});

describe("#14 messages that say what is wrong", () => {
  it("a huge unit cost names --costs and its bounds", async () => {
    const d = tmp();
    const f = join(d, "c.json");
    writeFileSync(f, '{"excEntry":1e300}');
    expectOneLine(await cli("run", "--costs", f), /--costs '.*: excEntry=1e\+300': accepted excEntry: an integer 0\.\.1e12/);
    writeFileSync(f, JSON.stringify({ excEntry: 1e12, excReturn: 1e12, isb: 1e12 }));
    expectOneLine(await cli("run", "--costs", f, "--depth", "3", "--no-nv2", "--hyp-hz", "0", "--timer-hz", "0", "--duration-ms", "1"), /invalid --costs '.*c\.json': with these unit costs the run's cycle total exceeds 2\^53.*cycles 0\.\.1e12/);
  });
  it("a resumed sweep of another grid names what differs, never two equal values", async () => {
    const out = tmp();
    await interrupted(out, SWEEP, 1);
    const r = await cli("sweep", "--depth", "1,3", "--seeds", "2", "--duration-ms", "1", "--workers", "0", "--out", out, "--resume");
    expectOneLine(r, /differs from this one in the grid/);
    const fps = r.err.match(/[0-9a-f]{16}/g) ?? [];
    expect(new Set(fps).size).toBe(fps.length);
  });
  it("merge errors name merge's own arguments (there is no --dir)", async () => {
    const d = tmp();
    const r = await cli("merge", join(d, "nothing"), "--out", join(d, "m"));
    expectOneLine(r, /directory '.*nothing': no such file or directory/);
    expect(r.err).not.toMatch(/--dir/);
  });
  it("ioRate 1e309 is reported as beyond the double range, not null; a profile name of the wrong type is refused", async () => {
    const d = tmp();
    const f = join(d, "p.json");
    writeFileSync(f, JSON.stringify(PROFILE).replace('"ioRate":5000', '"ioRate":1e309'));
    expectOneLine(await cli("run", "--workload", f), /ioRate=a number beyond the double range'/);
    writeFileSync(f, JSON.stringify({ ...PROFILE, name: 42 }));
    expectOneLine(await cli("run", "--workload", f), /--workload '.*: name=42': accepted name: a string/);
  });
});

describe("#15 --workers is bounded by cores and memory, and the error says why", () => {
  it(`refuses more than workerLimit() (${workerLimit().max} here)`, async () => {
    const max = workerLimit().max;
    expect(max).toBeLessThanOrEqual(2 * availableParallelism());
    const r = await cli("sweep", "--workers", String(max + 1), "--duration-ms", "1");
    expectOneLine(r, new RegExp(`--workers '${max + 1}': accepted an integer 0\\.\\.${max} \\(0 runs in the main thread; at most two per core \\(\\d+ here\\) and one per 64 MiB`));
    expectOneLine(await cli("sweep", "--workers", "1024"), /--workers '1024'/);
  });
});

describe("#16 nestlab without arguments: one convention (errors: one line on stderr, exit 2; help: stdout, exit 0)", () => {
  it("no command is an error line; --help is help", async () => {
    expectOneLine(await cli(), /a command is needed: .*micro, run, compare/);
    const h = await cli("--help");
    expect(h.code).toBe(0);
    expect(h.err).toBe("");
    expect(h.out).toMatch(/^usage: nestlab <command>/);
  });
});

describe("issue 16: check's exit status, suggestions, hints, compare --patch none", () => {
  it("--dept suggests --depth; run -d 3 says how options are spelled", async () => {
    expectOneLine(await cli("run", "--dept", "3"), /unknown option --dept; did you mean --depth\?/);
    expectOneLine(await cli("micro", "hvc", "--itrations", "3"), /did you mean --iterations\?/);
    expectOneLine(await cli("run", "-d", "3"), /unknown option '-d': options are spelled with two dashes and their full name; did you mean --depth or --duration-ms\?/);
    expectOneLine(await cli("swep"), /command 'swep': accepted .*; did you mean sweep\?/);
  });
  it("the livelock hint suggests NV2 only when NV2 is off", async () => {
    const d = tmp();
    const f = join(d, "c.json");
    writeFileSync(f, JSON.stringify({ excEntry: 1e12 }));
    const nv2 = await cli("run", "--depth", "2", "--duration-ms", "0.1", "--costs", f);
    expectOneLine(nv2, /livelock: .*\(tickless kernels: --hyp-hz 0 or --timer-hz 0; or a smaller depth\)/);
    const nv1 = await cli("run", "--depth", "2", "--no-nv2", "--duration-ms", "0.1", "--costs", f);
    expectOneLine(nv1, /livelock: .*; or NV2, or a smaller depth\)/);
  });
  it("compare --patch none is refused with the reason", async () => {
    expectOneLine(await cli("compare", "--patch", "none"), /--patch 'none': accepted all, or a comma list of levels .*compare runs --patch none as its baseline/);
  });
});
