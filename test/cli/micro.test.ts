import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../lib/cli/main";

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCli(argv, { out: (t) => void (out += t), err: (t) => void (err += t) });
  return { code, out, err };
}

const ROOT = join(__dirname, "..", "..");

describe("nestlab micro (command line)", () => {
  it("--json prints exactly one JSON object with the contract's fields", async () => {
    const r = await cli("micro", "hvc", "--depth", "3", "--leaf-fp", "--json", "--iterations", "2");
    expect(r.code).toBe(0);
    expect(r.err).toBe("");
    const j = JSON.parse(r.out) as Record<string, unknown>;
    for (const f of ["op", "depth", "cycles", "l0Traps", "fpTraps", "fpSaves", "fpRestores", "nestedExceptions", "nestedErets", "byLevel"]) {
      expect(j).toHaveProperty(f);
    }
    expect(j.op).toBe("hvc");
    expect(j.depth).toBe(3);
    const byLevel = j.byLevel as Record<string, number>[];
    expect(byLevel).toHaveLength(3);
    expect(byLevel.reduce((s, l) => s + l.nestedExceptions!, 0)).toBe(j.nestedExceptions);
    expect(r.out.trim().split("\n")).toHaveLength(1);
  });

  it("prints a readable table without --json", async () => {
    const r = await cli("micro", "mmio-user", "--depth", "2");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/cycles\/iteration/);
    expect(r.out).toMatch(/^L1 /m);
  });

  it("is deterministic: the same command gives byte-identical output", async () => {
    const a = await cli("micro", "ipi", "--depth", "3", "--json", "--sve-vl", "512", "--leaf-fp");
    const b = await cli("micro", "ipi", "--depth", "3", "--json", "--sve-vl", "512", "--leaf-fp");
    expect(a.out).toBe(b.out);
  });

  const bad: [string[], RegExp][] = [
    [["frobnicate"], /command 'frobnicate'.*micro/],
    [["micro"], /micro needs an op: nestlab micro <hvc\|mmio-kernel\|mmio-user\|timer\|ipi>/],
    [["micro", "nop"], /op 'nop'/],
    [["micro", "hvc", "--depth", "0"], /--depth '0'.*1\.\.8/],
    [["micro", "hvc", "--depth", "two"], /--depth 'two'/],
    [["micro", "hvc", "--sve-vl", "384"], /--sve-vl '384'.*0, 128, 256, 512, 1024, 2048/],
    [["micro", "hvc", "--guest-hyp", "nvhe", "--depth", "3"], /--guest-hyp 'nvhe'.*depth 2/],
    [["micro", "hvc", "--guest-hyp", "kvm"], /--guest-hyp 'kvm'.*vhe, nvhe/],
    [["micro", "hvc", "--patch", "2", "--depth", "2"], /--patch '2'.*0\.\.1/],
    [["micro", "hvc", "--patch", "x"], /--patch 'x'/],
    [["micro", "hvc", "--iterations", "0"], /--iterations '0'/],
    [["micro", "hvc", "--clock-ghz", "-1"], /--clock-ghz '-1'/],
    [["micro", "hvc", "--seed", "1.5"], /--seed '1.5'/],
    [["micro", "hvc", "--frob"], /unknown option --frob/],
    [["micro", "hvc", "--nv2=1"], /--nv2/],
    [["micro", "hvc", "--depth"], /--depth needs a value: accepted an integer 1\.\.8/],
    [["micro", "hvc", "--costs", "/nonexistent/costs.json"], /--costs/],
  ];
  for (const [argv, re] of bad) {
    it(`bad input exits 2 with one line naming the field: ${argv.join(" ")}`, async () => {
      const r = await cli(...argv);
      expect(r.code).toBe(2);
      expect(r.out).toBe("");
      expect(r.err.trim().split("\n")).toHaveLength(1);
      expect(r.err).toMatch(re);
    });
  }

  it("--costs overrides named unit costs and rejects unknown names and bad values", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nestlab-costs-"));
    const ok = join(dir, "ok.json");
    writeFileSync(ok, JSON.stringify({ excEntry: 140 }));
    const base = JSON.parse((await cli("micro", "hvc", "--json")).out) as { cycles: number; l0Traps: number };
    const slow = JSON.parse((await cli("micro", "hvc", "--json", "--costs", ok)).out) as { cycles: number; l0Traps: number };
    expect(slow.cycles - base.cycles).toBe(70 * base.l0Traps);
    const unknown = join(dir, "unknown.json");
    writeFileSync(unknown, JSON.stringify({ excEntri: 1 }));
    const r1 = await cli("micro", "hvc", "--costs", unknown);
    expect(r1.code).toBe(2);
    expect(r1.err).toMatch(/excEntri.*excEntry/);
    const neg = join(dir, "neg.json");
    writeFileSync(neg, JSON.stringify({ isb: -3 }));
    expect((await cli("micro", "hvc", "--costs", neg)).err).toMatch(/isb=-3': accepted isb: an integer 0\.\.1e12/);
    const notJson = join(dir, "bad.json");
    writeFileSync(notJson, "{ nope");
    expect((await cli("micro", "hvc", "--costs", notJson)).code).toBe(2);
  });

  it("--help and --version", async () => {
    const h = await cli("micro", "--help");
    expect(h.code).toBe(0);
    expect(h.out).toMatch(/--leaf-fp/);
    const top = await cli("--help");
    expect(top.out).toMatch(/micro/);
    const v = await cli("--version");
    // the version, and the kernel the model pins
    expect(v.out).toMatch(/^nestlab \d+\.\d+\.\d+\nmodel: Linux 7\.3-rc7 KVM\/arm64 at every level;/);
  });

  it("npx nestlab works end to end from the project root", () => {
    const out = execFileSync("npx", ["nestlab", "micro", "hvc", "--depth", "2", "--json"], { cwd: ROOT, encoding: "utf8" });
    expect(JSON.parse(out).depth).toBe(2);
    const bad = spawnSync("npx", ["nestlab", "micro", "hvc", "--depth", "42"], { cwd: ROOT, encoding: "utf8" });
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toMatch(/--depth '42'/);
  });
});
