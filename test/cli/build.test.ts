import { spawnSync } from "node:child_process";
import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = join(__dirname, "..", "..");

/** a copy of the project's sources (no dist/), with node_modules linked or not */
function copyProject(withModules: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), "nestlab-build-"));
  for (const f of ["lib", "bench", "package.json", "tsconfig.json"]) cpSync(join(ROOT, f), join(dir, f), { recursive: true });
  if (withModules) symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  return dir;
}

const cli = (dir: string, ...args: string[]) => spawnSync(process.execPath, [join(dir, "lib/cli/bin.cjs"), ...args], { cwd: dir, encoding: "utf8" });

describe("the compiled build", () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it("is made on first use, reused while the sources stand, rebuilt (saying so) after an edit under lib/", () => {
    const dir = copyProject(true);
    dirs.push(dir);
    const first = cli(dir, "micro", "hvc", "--json");
    expect(first.status).toBe(0);
    expect(existsSync(join(dir, "dist", "cli.cjs"))).toBe(true);
    const built = JSON.parse(readFileSync(join(dir, "dist", "build.json"), "utf8")) as { hash: string };

    const again = cli(dir, "micro", "hvc", "--json", "--quiet");
    expect(again.status).toBe(0);
    expect(again.stderr).toBe("");
    expect(again.stdout).toBe(first.stdout);

    // an edit that changes a figure: the next run must see it, and say that it rebuilt
    const costs = join(dir, "lib", "costs", "table.ts");
    const text = readFileSync(costs, "utf8");
    expect(text).toContain('hvcHandler: c("kvm_smccc_call_handler for an unknown/null hypercall", "cycles", 60,');
    cpSync(costs, costs + ".orig");
    appendFileSync(costs, "\nCOSTS.hvcHandler = { ...COSTS.hvcHandler, default: 61 } as never;\n");
    const edited = cli(dir, "micro", "hvc", "--json");
    expect(edited.status).toBe(0);
    expect(edited.stderr).toMatch(/sources changed since the last build: rebuilt dist\//);
    const cycles = (out: string): number => (JSON.parse(out) as { cycles: number }).cycles;
    expect(cycles(edited.stdout)).toBe(cycles(first.stdout) + 1);
    expect((JSON.parse(readFileSync(join(dir, "dist", "build.json"), "utf8")) as { hash: string }).hash).not.toBe(built.hash);
  });

  it("refuses with a message, exit 1, when a stale build cannot be rebuilt", () => {
    const dir = copyProject(false); // no node_modules: esbuild cannot be loaded
    dirs.push(dir);
    const r = cli(dir, "--version");
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/the build in dist\/ is stale \(no build in dist\/\) and could not be rebuilt: .*esbuild.*; run `npm run build`/);
  });

  it("names the TypeScript sources in stack traces (source maps)", () => {
    const map = JSON.parse(readFileSync(join(ROOT, "dist", "cli.cjs.map"), "utf8")) as { sources: string[] };
    expect(map.sources).toContain("../lib/engine/machine.ts");
    expect(map.sources).toContain("../lib/kvm/fpsimd.ts");
  });
});
