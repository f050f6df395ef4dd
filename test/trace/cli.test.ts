import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../lib/cli/main";
import type { ChromeTrace } from "../../lib/trace/export";
import { checkChromeTrace } from "./check-chrome";

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCli(argv, { out: (t) => void (out += t), err: (t) => void (err += t) });
  return { code, out, err };
}

const dir = mkdtempSync(join(tmpdir(), "nestlab-trace-"));

describe("nestlab stat", () => {
  it("--json prints one object: exits by level and reason agree with the run's counts", async () => {
    const r = await cli("stat", "--depth", "2", "--duration-ms", "2", "--json");
    expect(r.code).toBe(0);
    expect(r.err).toBe("");
    expect(r.out.trim().split("\n")).toHaveLength(1);
    const j = JSON.parse(r.out) as {
      depth: number;
      cycles: number;
      l0Traps: number;
      leafExits: number;
      levels: { level: number; exits: number; cycles: number }[];
      exits: { level: number; ec: string; reason: string; count: number; share: number; cycles: number }[];
      events: { level: number; event: string; count: number }[];
    };
    expect(j.depth).toBe(2);
    expect(j.levels.map((l) => l.level)).toEqual([0, 1]);
    expect(j.levels[0]!.exits).toBe(j.l0Traps);
    expect(j.exits.filter((x) => x.level === 0).reduce((s, x) => s + x.count, 0)).toBe(j.l0Traps);
    expect(j.events.find((e) => e.level === 2 && e.event === "trap_begin")?.count).toBe(j.leafExits);
    expect(j.exits.every((x) => x.share > 0 && x.share <= 1 && x.cycles > 0)).toBe(true);
  });

  it("prints a kvm_stat-like table", async () => {
    const r = await cli("stat", "--depth", "2", "--duration-ms", "1");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/exits by level and reason/);
    expect(r.out).toMatch(/^ *level +ec +reason +count +count% +cycles +time%/m);
    expect(r.out).toMatch(/^L1 +DABT_LOW +mmio-\w+ /m);
    expect(r.out).toMatch(/^kvm_exit +[\d,]+ +[\d,]+ +0$/m);
  });
});

describe("nestlab trace", () => {
  it("--out FILE writes Chrome trace-event JSON (and the same run twice gives the same bytes)", async () => {
    const out = join(dir, "t.json");
    const r = await cli("trace", "--depth", "2", "--duration-ms", "1", "--out", out, "--json");
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.out) as { out: string; records: number; traceEvents: number };
    expect(summary.out).toBe(out);
    expect(summary.records).toBeGreaterThan(100);
    expect(existsSync(out + ".tmp")).toBe(false);
    const text = readFileSync(out, "utf8");
    const trace = JSON.parse(text) as ChromeTrace;
    expect(trace.traceEvents).toHaveLength(summary.traceEvents);
    expect(checkChromeTrace(trace).length).toBeGreaterThan(10);
    expect(trace.otherData).toMatchObject({ depth: 2, clockGhz: 3, durationMs: 1, seed: 1 });
    const again = join(dir, "t2.json");
    expect((await cli("trace", "--depth", "2", "--duration-ms", "1", "--out", again)).out).toMatch(/records written to .*t2\.json/);
    expect(readFileSync(again, "utf8")).toBe(text);
  });

  it("--format text prints ftrace-like lines; --events selects; --max-events keeps the last N", async () => {
    const all = await cli("trace", "--depth", "2", "--duration-ms", "1", "--format", "text", "--events", "kvm:*");
    expect(all.code).toBe(0);
    const lines = all.out.trimEnd().split("\n");
    expect(lines[0]).toBe("cpus=1");
    expect(lines.length).toBeGreaterThan(50);
    for (const l of lines.slice(1)) expect(l).toMatch(/^ +nestlab-0 +\[000\] +\d+\.\d{9}: kvm_\w+: +level=\d/);
    const last = await cli("trace", "--depth", "2", "--duration-ms", "1", "--format", "text", "--events", "kvm:*", "--max-events", "7");
    expect(last.out.trimEnd().split("\n")).toEqual(["cpus=1", ...lines.slice(-7)]);
    const file = join(dir, "t.txt");
    const f = await cli("trace", "--depth", "2", "--duration-ms", "1", "--format", "text", "--events", "kvm:*", "--out", file);
    expect(f.code).toBe(0);
    expect(readFileSync(file, "utf8")).toBe(all.out);
  });

  it("--help names the options", async () => {
    const h = await cli("trace", "--help");
    expect(h.code).toBe(0);
    expect(h.out).toMatch(/--out/);
    expect(h.out).toMatch(/--max-events/);
    expect(h.out).toMatch(/--duration-ms.*\n.*default 5/);
    expect((await cli("stat", "--help")).out).toMatch(/default 20/);
    expect((await cli("--help")).out).toMatch(/trace .*\n.*stat /);
  });

  const bad: [string[], RegExp][] = [
    [["trace", "--format", "xml"], /--format 'xml'.*chrome, text/],
    [["trace", "--events", "kvm:nope"], /--events 'kvm:nope'/],
    [["trace", "--max-events", "0", "--format", "text"], /--max-events '0'/],
    [["trace", "--max-events", "10"], /--max-events '10'.*--format text/],
    [["trace", "--out", join(dir, "missing", "t.json")], /--out '.*missing.*'.*writable/],
    [["trace", "--json"], /--json.*--out/],
    [["trace", "--engine", "fast"], /unknown option --engine/],
    [["trace", "--depth", "9"], /--depth '9'/],
    [["trace", "extra"], /unexpected argument 'extra': nestlab trace takes options only/],
    [["stat", "--duration-ms", "0"], /--duration-ms '0'/],
    [["stat", "--workload", "nosuch"], /--workload/],
  ];
  for (const [argv, re] of bad) {
    it(`bad input exits 2 with one line naming the field, nothing written: ${argv.join(" ")}`, async () => {
      const r = await cli(...argv);
      expect(r.code).toBe(2);
      expect(r.out).toBe("");
      expect(r.err.trim().split("\n")).toHaveLength(1);
      expect(r.err).toMatch(re);
    });
  }
});
