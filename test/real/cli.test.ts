import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { runCli } from "../../lib/cli/main";

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCli(argv, { out: (t) => void (out += t), err: (t) => void (err += t) });
  return { code, out, err };
}

const FIX = join(__dirname, "fixtures");
const dir = mkdtempSync(join(tmpdir(), "nestlab-real-"));
const BIN = join(__dirname, "../../lib/cli/bin.cjs");

describe("nestlab trace --format kernel", () => {
  it("writes L0's kernel events with trace-cmd's prefix, and nestlab: lines for the rest; --kernel-only drops those", async () => {
    const all = await cli("trace", "--depth", "2", "--duration-ms", "0.3", "--format", "kernel");
    expect(all.code).toBe(0);
    const lines = all.out.trim().split("\n");
    expect(lines[0]).toBe("cpus=1");
    expect(lines.some((l) => /^ {7}CPU 0\/KVM-4242  \[000\] +100\.\d{9}: kvm_exit: {13}TRAP: HSR_EC: 0x00[0-9a-f]{2} \(\w+\), PC: 0x[0-9a-f]{16}$/.test(l))).toBe(true);
    expect(lines.some((l) => / nestlab:trap_begin: +level=2 /.test(l))).toBe(true);
    const k = await cli("trace", "--depth", "2", "--duration-ms", "0.3", "--format", "kernel", "--kernel-only");
    expect(k.out).not.toMatch(/nestlab:/);
    expect(k.out.split("\n").filter((l) => / kvm_exit: /.test(l)).length).toBe(lines.filter((l) => / kvm_exit: /.test(l)).length);
    expect((await cli("trace", "--depth", "2", "--duration-ms", "0.3", "--format", "kernel", "--kernel-only")).out).toBe(k.out);
  });

  it("--kernel-only without --format kernel is refused", async () => {
    const r = await cli("trace", "--kernel-only");
    expect(r.code).toBe(2);
    expect(r.err).toBe("nestlab: invalid --kernel-only '--kernel-only': accepted only with --format kernel\n");
  });
});

describe("nestlab import", () => {
  it("--json: one object with the summary and what L0 cannot identify", async () => {
    const r = await cli("import", join(FIX, "nv2-l0.synthetic.trace-cmd.txt"), "--json");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { exits: number; nestedExceptions: number; kinds: unknown[]; notIdentifiable: string[]; warnings: string[] };
    expect(j.exits).toBe(14);
    expect(j.nestedExceptions).toBe(4);
    expect(j.notIdentifiable.join(" ")).toMatch(/fast-path/);
    expect(r.err).toMatch(/^nestlab: warning: .*3 events lost/m);
  });

  it("prints tables, and the same bytes twice", async () => {
    const a = await cli("import", join(FIX, "nv2-l0.synthetic.trace-cmd.txt"));
    expect(a.out).toMatch(/^exits by reason/m);
    expect(a.out).toMatch(/^hyp SYS64 ICH_MISR_EL2 R handled +2 /m);
    expect(a.out).toMatch(/^what an L0 trace cannot show:/m);
    expect((await cli("import", join(FIX, "nv2-l0.synthetic.trace-cmd.txt"))).out).toBe(a.out);
  });

  it("bad input exits 2 with one line naming the file and line", async () => {
    const r = await cli("import", join(FIX, "malformed.synthetic.txt"));
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toMatch(/^nestlab: invalid file '.*malformed\.synthetic\.txt', line 4: kvm_exit: text does not follow the kernel's format "%s: HSR_EC: 0x%04x \(%s\), PC: 0x%016lx"\n$/);
    expect((await cli("import")).err).toMatch(/^nestlab: import needs a FILE: an L0 recording/);
    expect((await cli("import", "a", "b")).code).toBe(2);
  });

  it("the built CLI: exit codes 0 and 2 from the command line", async () => {
    const run = promisify(execFile);
    const ok = await run("node", [BIN, "import", join(FIX, "kvm-stat.synthetic.txt"), "--json"]);
    expect(JSON.parse(ok.stdout).format).toBe("perf-kvm-stat");
    const bad = await run("node", [BIN, "import", join(FIX, "notatrace.txt")]).catch((e: { code: number; stderr: string }) => e);
    expect("code" in bad && bad.code).toBe(2);
    expect((bad as { stderr: string }).stderr).toMatch(/notatrace\.txt', line 1: not an event line/);
  });
});

describe("nestlab diff and fit", () => {
  const trace = join(dir, "machine.txt");
  const costs = join(dir, "true.json");
  writeFileSync(costs, JSON.stringify({ sysregEmulCode: 150, s2WalkCode: 450 }));

  it("diff: machine vs model side by side, the workload derived from the trace", async () => {
    expect((await cli("trace", "--depth", "2", "--duration-ms", "5", "--format", "kernel", "--kernel-only", "--costs", costs, "--out", trace)).code).toBe(0);
    const r = await cli("diff", "--trace", trace, "--depth", "2", "--duration-ms", "5", "--json");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { rows: { section: string; key: string; machine: number | null; model: number | null; ratio: number | null }[]; workload: { fromTrace: string[] } };
    const row = (section: string, key: string) => j.rows.find((x) => x.section === section && x.key === key);
    expect(row("per nested-context exit", "nested exceptions")?.ratio).toBeCloseTo(1, 1);
    // the machine's sysreg emulation is 50 cycles dearer: the model (defaults) is faster there
    expect(row("time per exit kind", "hyp SYS64 ICH_MISR_EL2 R handled")!.ratio!).toBeLessThan(0.97);
    expect(j.workload.fromTrace.length).toBeGreaterThan(0);
    // the configuration block (lib/cli/config.ts), its workload the profile derived from the trace
    const config = (JSON.parse(r.out) as { config: { kernel: string; depth: number; durationMs: number; workload: { file: string; profile: { ioRate: number } } } }).config;
    expect(config).toMatchObject({ kernel: "Linux 7.3-rc7", depth: 2, durationMs: 5, workload: { file: trace } });
    expect(config.workload.profile.ioRate).toBeGreaterThanOrEqual(0);
    const t = await cli("diff", "--trace", trace, "--depth", "2", "--duration-ms", "5");
    expect(t.out).toMatch(/^ {2}config: {2}kernel Linux 7\.3-rc7 {2}depth 2/m);
    expect(t.out).toMatch(/^\[exits per second\]/m);
    expect(t.out).toMatch(/^not compared \(an L0 trace cannot show it\):/m);
  });

  it("fit: writes a --costs file that a run accepts; never the defaults", async () => {
    const out = join(dir, "fitted.json");
    const r = await cli("fit", "--trace", trace, "--depth", "2", "--duration-ms", "5", "--fit-costs", "sysregEmulCode,s2WalkCode,neonWork", "--out", out, "--json");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { costs: { name: string; written: number; status: string }[]; costsFile: Record<string, number> };
    const fitted = JSON.parse(readFileSync(out, "utf8")) as Record<string, number>;
    expect(fitted).toEqual(j.costsFile);
    expect(Math.abs(fitted.sysregEmulCode! - 150) / 150).toBeLessThan(0.05);
    expect(j.costs.find((c) => c.name === "neonWork")?.status).toBe("unidentifiable");
    // the configuration the model ran under: the pinned kernel, the workload derived from the trace
    expect((JSON.parse(r.out) as { config: unknown; kernel: string }).config).toMatchObject({ kernel: "Linux 7.3-rc7", depth: 2, durationMs: 5, workload: { file: trace }, costs: {} });
    expect((await cli("run", "--depth", "2", "--duration-ms", "1", "--costs", out)).code).toBe(0);
    expect(existsSync(out + ".tmp")).toBe(false);
  });

  it("bad input: exit 2, one line, nothing written", async () => {
    const out = join(dir, "never.json");
    const a = await cli("fit", "--trace", trace, "--fit-costs", "excEntry", "--out", out);
    expect(a.code).toBe(2);
    expect(a.err).toMatch(/^nestlab: invalid --fit-costs 'excEntry': accepted a comma list of assumed or calibrated unit costs/);
    expect(existsSync(out)).toBe(false);
    const b = await cli("diff", "--depth", "2");
    expect(b.err).toMatch(/^nestlab: diff needs --trace FILE: /);
    const c = await cli("diff", "--trace", join(FIX, "malformed.synthetic.txt"));
    expect(c.err).toMatch(/^nestlab: invalid --trace '.*malformed\.synthetic\.txt', line 4: /);
    const d = await cli("fit", "--trace", join(FIX, "kvm-stat.synthetic.txt"), "--out", out);
    expect(d.code).toBe(2);
    expect(existsSync(out)).toBe(false);
    const e = await cli("diff", "--trace", trace, "--io-rate", "5");
    expect(e.err).toBe("nestlab: invalid --io-rate '5': accepted only with --workload (without it the rates come from the trace)\n");
  });
});
