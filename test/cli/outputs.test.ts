import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configBlock } from "../../lib/cli/config";
import { GLOSSARY, glossaryMarkdown } from "../../lib/cli/glossary";
import { COMMANDS, runCli } from "../../lib/cli/main";
import { formatSeconds, progressPrinter, staged } from "../../lib/cli/progress";
import { defaultCosts } from "../../lib/costs/table";
import { KERNEL } from "../../lib/kvm/kernel";
import { defaultModelConfig } from "../../lib/kvm/config";
import { PROFILES, profileJson } from "../../lib/workload/profiles";
import { cli, expectOneLine, ROOT } from "./harness";

/** Issue 16's command-line points 5 (configuration), 6 (definitions), 8 (progress) and 9 (profiles). */

const dir = mkdtempSync(join(tmpdir(), "nestlab-outputs-"));
const file = (name: string, content: unknown): string => {
  const p = join(dir, name);
  writeFileSync(p, typeof content === "string" ? content : JSON.stringify(content));
  return p;
};

/** runCli with a progress callback that records every call */
async function withProgress(...argv: string[]): Promise<{ code: number; out: string; err: string; calls: [number, number, string][] }> {
  let out = "";
  let err = "";
  const calls: [number, number, string][] = [];
  const code = await runCli(argv, { out: (t) => void (out += t), err: (t) => void (err += t), progress: (d, t, w) => void calls.push([d, t, w]) });
  return { code, out, err, calls };
}

const json = (out: string): Record<string, unknown> => JSON.parse(out) as Record<string, unknown>;

/** the keys every configuration block holds, whatever the command */
const MODEL_KEYS = ["kernel", "depth", "nv2", "ecv", "guestHyp", "patch", "sveVl", "el2Vtimer", "physOffset", "fgt", "nv2p1", "vpmu", "lrs", "clockGhz", "costs"];
const RUN_KEYS = [...MODEL_KEYS, "seed", "durationMs", "workload", "ioRate", "timerHz", "hypHz", "hostPreemptRate", "hostNeonRate"];

describe("point 5: outputs name their configuration", () => {
  it("run: JSON config (the pinned kernel, every input) and config: lines in the text", async () => {
    const args = ["run", "--depth", "2", "--duration-ms", "2", "--no-ecv", "--sve-vl", "256", "--lrs", "1", "--no-fgt", "--seed", "7", "--clock-ghz", "2.5", "--patch", "1"];
    const j = await cli(...args, "--json");
    expect(j.code, j.err).toBe(0);
    const c = json(j.out).config as Record<string, unknown>;
    expect(Object.keys(c).sort()).toEqual([...RUN_KEYS].sort());
    expect(c).toMatchObject({ kernel: KERNEL.name, depth: 2, nv2: true, ecv: false, patch: [1], sveVl: 256, lrs: 1, fgt: false, seed: 7, clockGhz: 2.5, durationMs: 2, costs: {} });
    expect(c.workload).toEqual({ name: "io-heavy" });
    expect(c.ioRate).toBe(PROFILES["io-heavy"]!.ioRate);
    const t = await cli(...args);
    expect(t.out).toMatch(/^ {2}config: {2}kernel Linux 7\.3-rc7 {2}depth 2 {2}nv2 on {2}ecv off .*patch 1 {2}sve-vl 256/m);
    expect(t.out).toMatch(/fgt off/);
    expect(t.out).toMatch(/seed 7 {2}workload io-heavy\s+duration 2 ms/);
    expect(t.out).toContain("unit costs: the defaults");
  });

  it("a file's workload is carried with its resolved fields; --costs overrides are listed, the rest not", async () => {
    const w = file("light.json", { base: "io-heavy", ioRate: 1234, name: "light" });
    const costs = file("costs.json", { vmmMmio: 3000, excEntry: defaultCosts().excEntry });
    const j = await cli("run", "--duration-ms", "1", "--workload", w, "--costs", costs, "--json");
    expect(j.code, j.err).toBe(0);
    const c = json(j.out).config as { workload: { name: string; file: string; profile: Record<string, unknown> }; costs: unknown; ioRate: number };
    expect(c.workload.file).toBe(w);
    expect(c.workload.profile).toMatchObject({ name: "light", ioRate: 1234, fpUse: PROFILES["io-heavy"]!.fpUse });
    expect(c.costs).toEqual({ vmmMmio: 3000 });
    expect(c.ioRate).toBe(1234);
    const t = await cli("run", "--duration-ms", "1", "--workload", w, "--costs", costs);
    expect(t.out).toContain(`workload ${w} (resolved): ioRate 1234,`);
    expect(t.out).toContain("unit costs: overridden by --costs: vmmMmio 3000");
  });

  it("compare, micro, stat, check and trace --out carry the same block (one function)", async () => {
    const out = join(dir, "t.json");
    const cases: [string[], string[]][] = [
      [["compare", "--depth", "2", "--duration-ms", "1", "--exit-window-ms", "0"], RUN_KEYS],
      [["stat", "--depth", "2", "--duration-ms", "0.5"], RUN_KEYS],
      [["trace", "--depth", "2", "--duration-ms", "0.2", "--out", out], RUN_KEYS],
      [["micro", "hvc", "--depth", "2", "--iterations", "1"], MODEL_KEYS],
      [["check", "--depth", "2", "--steps", "50"], [...MODEL_KEYS, "seed"]],
    ];
    for (const [argv, keys] of cases) {
      const r = await cli(...argv, "--json");
      expect(r.code, `${argv.join(" ")}: ${r.err}`).toBe(0);
      const c = json(r.out).config as Record<string, unknown>;
      expect(Object.keys(c).sort(), argv[0]).toEqual([...keys].sort());
      expect(c.kernel).toBe(KERNEL.name);
      const text = await cli(...argv.filter((a) => a !== out && a !== "--out"));
      if (argv[0] !== "trace") expect(text.out, argv[0]).toContain("config:  kernel Linux 7.3-rc7");
    }
    // micro's earlier keys keep their names and values
    const m = json((await cli("micro", "hvc", "--depth", "2", "--iterations", "1", "--no-nv2", "--json")).out).config as Record<string, unknown>;
    expect(m).toMatchObject({ nv2: false, ecv: true, guestHyp: "vhe", patch: [0, 1], sveVl: 0, el2Vtimer: false, clockGhz: 3 });
    // compare's block is the patched run's
    const c = json((await cli("compare", "--depth", "2", "--duration-ms", "1", "--exit-window-ms", "0", "--patch", "0", "--json")).out);
    expect((c.config as { patch: number[] }).patch).toEqual([0]);
    expect(c.baseline).not.toHaveProperty("config");
  });

  it("the block is a function of the configuration: same inputs, same bytes", async () => {
    const a = await cli("run", "--depth", "2", "--duration-ms", "1", "--seed", "3");
    const b = await cli("run", "--depth", "2", "--duration-ms", "1", "--seed", "3");
    expect(a.out).toBe(b.out);
    const model = defaultModelConfig({ depth: 3 });
    expect(configBlock({ model, clockGhz: 3 })).toEqual(configBlock({ model: { ...model }, clockGhz: 3 }));
  });

  it("compare --patch none is refused: it would compare the baseline with itself", async () => {
    expectOneLine(await cli("compare", "--patch", "none"), /--patch 'none'.*compare the baseline with itself/);
  });
});

describe("point 6: each figure named for what it counts", () => {
  it("compare: outermost FP traps vs FP traps handled (the level table's sum), each labelled", async () => {
    const r = await cli("compare", "--depth", "3", "--duration-ms", "5", "--exit-window-ms", "0", "--json");
    expect(r.code, r.err).toBe(0);
    const c = json(r.out) as { attribution: { fpTrapsAvoided: number; fpTrapsHandledAvoided: number; fpByLevel: { fpTrapsAvoided: number }[] } };
    const a = c.attribution;
    expect(a.fpTrapsHandledAvoided).toBe(a.fpByLevel.reduce((s, l) => s + l.fpTrapsAvoided, 0));
    expect(a.fpTrapsHandledAvoided).toBeGreaterThanOrEqual(a.fpTrapsAvoided);
    const t = (await cli("compare", "--depth", "3", "--duration-ms", "5", "--exit-window-ms", "0")).out;
    const fmt = (n: number): string => n.toLocaleString("en-US");
    expect(t).toContain(`outermost FP traps avoided ${fmt(a.fpTrapsAvoided)} (raised outside other FP work`);
    expect(t).toContain(`FP traps handled avoided, all levels ${fmt(a.fpTrapsHandledAvoided)}`);
    expect(t).toMatch(/FP traps handled avoided +bytes avoided/);
    const total = t.split("\n").find((l) => l.startsWith("total "))!;
    expect(total.split(/ +/)[3]).toBe(fmt(a.fpTrapsHandledAvoided));
    expect(t).not.toMatch(/ {3}FP traps avoided /);
  });

  it("compare: a level with no FP save or restore avoided but FP cycles saved says why, with the buckets' sum", async () => {
    const r = await cli("compare", "--depth", "3", "--duration-ms", "5", "--exit-window-ms", "0", "--json");
    const c = json(r.out) as {
      attribution: { fpByLevel: { level: number; fpSavesAvoided: number; fpRestoresAvoided: number }[] };
      saving: { mechanism: string; level: number | null; saved: number }[];
    };
    const t = (await cli("compare", "--depth", "3", "--duration-ms", "5", "--exit-window-ms", "0")).out;
    let explained = 0;
    for (const l of c.attribution.fpByLevel) {
      const saved = c.saving.filter((b) => b.level === l.level && ["fp-save", "fp-restore", "fp-moves"].includes(b.mechanism)).reduce((s, b) => s + b.saved, 0);
      const line = t.split("\n").find((x) => x.startsWith(`L${l.level}: none of its FP saves or restores is avoided`));
      if (l.fpSavesAvoided === 0 && l.fpRestoresAvoided === 0 && saved > 0) {
        expect(line, `L${l.level}`).toContain(`they cost ${saved.toLocaleString("en-US")} cycles less`);
        explained++;
      } else expect(line, `L${l.level}`).toBeUndefined();
    }
    // at depth 3 the leaf's own hypervisor (L2) makes no nested transitions, yet its saves stop trapping
    expect(explained).toBeGreaterThan(0);
  });

  it("leaf exits: without ticks, the leaf's exits other than FP traps are the stream's, identical in both runs", async () => {
    const r = await cli("compare", "--depth", "3", "--duration-ms", "5", "--exit-window-ms", "0", "--timer-hz", "0", "--hyp-hz", "0", "--json");
    expect(r.code, r.err).toBe(0);
    const c = json(r.out) as Record<"baseline" | "patched", { leafExits: number; leafFpTraps: number }>;
    expect(c.baseline.leafExits - c.baseline.leafFpTraps).toBe(c.patched.leafExits - c.patched.leafFpTraps);
    expect(c.baseline.leafFpTraps).toBeLessThanOrEqual(c.baseline.leafExits);
    const t = (await cli("compare", "--depth", "3", "--duration-ms", "5", "--exit-window-ms", "0", "--timer-hz", "0", "--hyp-hz", "0")).out;
    expect(t).toContain(`leaf exits: baseline ${c.baseline.leafExits.toLocaleString("en-US")} (FP traps ${c.baseline.leafFpTraps.toLocaleString("en-US")})`);
  });

  it("every command with a glossary defines its columns in --help, and docs/cli.md holds the same glossary", async () => {
    for (const [name, entries] of Object.entries(GLOSSARY)) {
      expect(COMMANDS.some((c) => c.name === name), name).toBe(true);
      const help = await cli(name, "--help");
      expect(help.code).toBe(0);
      expect(help.out).toContain("output (what each figure and column counts):");
      for (const [label, def] of entries) expect(help.out, `${name}: ${label}`).toContain(`  ${label}\n      ${def}\n`);
    }
    const doc = readFileSync(join(ROOT, "docs", "cli.md"), "utf8");
    const block = /<!-- generated:glossary \(lib\/cli\/glossary\.ts\) -->\n([\s\S]*?)<!-- \/generated:glossary -->/.exec(doc);
    expect(block?.[1]).toBe(glossaryMarkdown());
  });

  it("the text tables' column headers are all in the glossary", async () => {
    const labels = (cmd: string): string => GLOSSARY[cmd]!.map(([l]) => l).join(" | ");
    const t = (await cli("compare", "--depth", "2", "--duration-ms", "1", "--exit-window-ms", "0")).out;
    for (const col of ["FP saves avoided", "FP restores avoided", "FP traps handled avoided", "bytes avoided", "nested transitions"]) {
      expect(t).toContain(col);
      expect(labels("compare")).toContain(col);
    }
    for (const col of ["count%", "time%", "min, max, avg"]) expect(labels("stat")).toContain(col);
    for (const col of ["fullExits", "fastExits", "putFpSkipped", "fpSavesElided"]) expect(labels("micro")).toContain(col);
  });
});

describe("point 8: progress", () => {
  it("the printer: nothing in the first half second; a log gets a line a second at most, with an ETA", () => {
    let now = 0;
    const lines: string[] = [];
    const p = progressPrinter({ tty: false, write: (t) => void lines.push(t), now: () => now });
    now = 400;
    p.progress(10, 100, "run work");
    expect(lines).toEqual([]);
    now = 600;
    p.progress(20, 100, "run work");
    expect(lines).toEqual(["nestlab: run work 20/100 (20%) eta 2.4s\n"]);
    now = 1500;
    p.progress(40, 100, "run work");
    expect(lines).toHaveLength(1);
    now = 1700;
    p.progress(50, 100, "run work");
    expect(lines).toHaveLength(2);
    now = 2000;
    p.progress(100, 100, "run work");
    expect(lines.at(-1)).toBe("nestlab: run work 100/100 (100%) done in 2.0s\n");
    // the end reported twice is shown once; the next work starts afresh
    p.progress(100, 100, "run work");
    expect(lines).toHaveLength(3);
    now = 3100;
    p.progress(1, 10, "next");
    expect(lines.at(-1)).toBe("nestlab: next 1/10 (10%) eta 27.9s\n");
  });

  it("the printer: a terminal gets one line redrawn in place, ended when done or when an error is printed", () => {
    let now = 0;
    let text = "";
    const p = progressPrinter({ tty: true, write: (t) => void (text += t), now: () => now });
    now = 600;
    p.progress(1, 4, "check steps");
    now = 700;
    p.progress(2, 4, "check steps");
    now = 1000;
    p.progress(2, 4, "check steps");
    expect(text).toBe("\r\x1b[Knestlab: check steps 1/4 (25%) eta 1.8s\r\x1b[Knestlab: check steps 2/4 (50%) eta 1.0s");
    p.interrupt();
    expect(text.endsWith("\n")).toBe(true);
    p.interrupt();
    expect(text.endsWith("s\n")).toBe(true);
    expect(formatSeconds(65)).toBe("1m05s");
    expect(formatSeconds(7500)).toBe("2h05m");
  });

  it("runs report after every slice: a short run reports long before its end", async () => {
    const r = await withProgress("run", "--depth", "2", "--duration-ms", "3");
    expect(r.code, r.err).toBe(0);
    const work = r.calls.filter(([, , w]) => w === "run work");
    expect(work.length).toBeGreaterThan(20);
    expect(work[0]![0]).toBeLessThan(100);
    expect(work.at(-1)).toEqual([1000, 1000, "run work"]);
  });

  it("compare reports its stages as one progress, never backwards, ending at 1000/1000", async () => {
    const r = await withProgress("compare", "--depth", "2", "--duration-ms", "2", "--exit-window-ms", "1");
    expect(r.code, r.err).toBe(0);
    const done = r.calls.map(([d]) => d);
    expect(r.calls.every(([, t, w]) => t === 1000 && w.startsWith("compare ("))).toBe(true);
    expect(done.every((d, i) => i === 0 || d >= done[i - 1]!)).toBe(true);
    expect(done.at(-1)).toBe(1000);
    expect(done.filter((d) => d === 1000)).toHaveLength(1);
    expect(new Set(r.calls.map(([, , w]) => w))).toEqual(new Set(["compare (runs)", "compare (exit window, exact engine)"]));
    const s = staged((d, t, w) => void r.calls.push([d, t, w]), "x", [1, 3]);
    const calls: number[] = [];
    const st = staged((d) => void calls.push(d), "x", [1, 3]);
    st(0, "a")!(1, 1, "");
    st(1, "b")!(1, 2, "");
    expect(calls).toEqual([250, 625]);
    expect(s).toBeTypeOf("function");
  });

  it("--quiet silences progress; every command that reports progress declares it", async () => {
    const loud = await withProgress("run", "--duration-ms", "1");
    expect(loud.calls.length).toBeGreaterThan(0);
    const quiet = await withProgress("run", "--duration-ms", "1", "--quiet");
    expect(quiet.code).toBe(0);
    expect(quiet.calls).toEqual([]);
    expect(quiet.out).toBe(loud.out);
    for (const name of ["micro", "run", "compare", "trace", "stat", "sweep", "check", "explain", "candidates", "import", "diff", "fit"]) {
      const c = COMMANDS.find((x) => x.name === name)!;
      expect(c.options.some((o) => o.name === "quiet" && o.kind === "bool"), name).toBe(true);
    }
    expectOneLine(await cli("run", "--quiet=1"), /--quiet/);
  });

  it("input errors are found before any work: one line, no progress", async () => {
    for (const argv of [["run", "--duration-ms", "1000", "--depth", "9"], ["stat", "--depth", "4", "--duration-ms", "40", "--sve-vl", "100"], ["compare", "--workload", "nope"]]) {
      const r = await withProgress(...argv);
      expectOneLine(r);
      expect(r.calls, argv.join(" ")).toEqual([]);
    }
  });
});

describe("point 9: workload profiles", () => {
  it("profile list and profile show NAME print the named profiles", async () => {
    const l = await cli("profile", "list");
    expect(l.code).toBe(0);
    for (const n of Object.keys(PROFILES)) expect(l.out).toMatch(new RegExp(`^${n} `, "m"));
    const lj = json((await cli("profile", "list", "--json")).out) as { profiles: unknown[] };
    expect(lj.profiles).toEqual(Object.values(PROFILES).map(profileJson));
    for (const n of Object.keys(PROFILES)) {
      const s = await cli("profile", "show", n);
      expect(s.code).toBe(0);
      expect(s.out.trim().split("\n")).toHaveLength(1);
      expect(JSON.parse(s.out)).toEqual(profileJson(PROFILES[n]!));
    }
  });

  it("a file with a base: the base's values with the file's overrides, as profile show and a run use it", async () => {
    const w = file("based.json", { base: "debian-install", ioRate: 700, fpUse: 0.25 });
    const s = json((await cli("profile", "show", w)).out);
    expect(s).toMatchObject({ ...profileJson(PROFILES["debian-install"]!), name: w, description: `debian-install with fields overridden by ${w}`, ioRate: 700, fpUse: 0.25 });
    // the same run as with a complete file holding those values
    const full = file("full.json", { ...s });
    const a = json((await cli("run", "--duration-ms", "2", "--workload", w, "--json")).out);
    const b = json((await cli("run", "--duration-ms", "2", "--workload", full, "--json")).out);
    const strip = (x: Record<string, unknown>): unknown => ({ ...x, workload: null, config: null });
    expect(strip(a)).toEqual(strip(b));
  });

  it("bad profiles are named errors (exit 2, one line, nothing written)", async () => {
    expectOneLine(await cli("profile", "show", file("b1.json", { base: "io-hevy" })), /invalid profile '.*b1\.json: base="io-hevy"': accepted base: the name of a named profile \(io-heavy, .*did you mean io-heavy\?/);
    expectOneLine(await cli("profile", "show", file("b2.json", { base: 3 })), /base=3/);
    expectOneLine(await cli("profile", "show", file("b3.json", { base: "idle", bogus: 1 })), /b3\.json: bogus': accepted profile fields: base, name/);
    expectOneLine(await cli("profile", "show", file("b4.json", { base: "idle", fpUse: 2 })), /fpUse=2.*0\.\.1/);
    expectOneLine(await cli("profile", "show", file("b5.json", { ioRate: 1 })), /ioUserFraction missing.*"base"/);
    expectOneLine(await cli("run", "--workload", file("b6.json", { base: "__proto__" })), /invalid --workload '.*b6\.json: base="__proto__"'/);
    expectOneLine(await cli("profile", "show", "idl"), /invalid profile 'idl'.*did you mean idle\?/);
    expectOneLine(await cli("profile", "shw"), /invalid command 'shw'.*did you mean profile show\?/);
    expectOneLine(await cli("profile"), /profile needs a sub-command/);
    expectOneLine(await cli("profile", "show"), /profile show needs a profile/);
    expectOneLine(await cli("profile", "list", "x"), /unexpected argument 'x'/);
    expectOneLine(await cli("profile", "show", "idle", "compute"), /unexpected argument 'compute'/);
  });

  it("a sweep's spec and fingerprint hold the resolved profile, so editing a based file changes the fingerprint", async () => {
    const w = file("sweep.json", { base: "io-heavy", ioRate: 900 });
    const run = async (): Promise<{ fingerprint: string; spec: { profiles: Record<string, Record<string, unknown>> } }> => {
      const r = await cli("sweep", "--workload", w, "--duration-ms", "0.5", "--workers", "0", "--json");
      expect(r.code, r.err).toBe(0);
      return JSON.parse(r.out) as { fingerprint: string; spec: { profiles: Record<string, Record<string, unknown>> } };
    };
    const first = await run();
    // results.json names the pinned kernel (issue 14)
    expect(first).toHaveProperty("kernel", KERNEL.name);
    expect(first.spec.profiles[w]).toMatchObject({ ioRate: 900, ipiRate: PROFILES["io-heavy"]!.ipiRate });
    expect(first.spec.profiles[w]).not.toHaveProperty("base");
    writeFileSync(w, JSON.stringify({ base: "io-heavy", ioRate: 901 }));
    const second = await run();
    expect(second.fingerprint).not.toBe(first.fingerprint);
    writeFileSync(w, JSON.stringify({ base: "debian-install", ioRate: 900 }));
    expect((await run()).fingerprint).not.toBe(first.fingerprint);
  });
});
