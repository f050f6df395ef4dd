import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runCli } from "../../lib/cli/main";
import { defaultModelConfig } from "../../lib/kvm/config";
import { runCompare } from "../../lib/run/compare";
import { type RunOptions, runWorkload } from "../../lib/run/run";
import { exactJson } from "../../lib/util/json";
import { PROFILES } from "../../lib/workload/profiles";
import { sized } from "../tier";

const all = (d: number): number[] => Array.from({ length: d }, (_, i) => i);

function opts(depth: number, workload: string, over: Partial<RunOptions> = {}): RunOptions {
  return {
    model: defaultModelConfig({ depth }),
    profile: PROFILES[workload]!,
    durationMs: 20,
    seed: 1,
    clockGhz: 3,
    hostPreemptRate: 0,
    hostNeonRate: 0,
    ...over,
  };
}

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCli(argv, { out: (t) => void (out += t), err: (t) => void (err += t) });
  return { code, out, err };
}

describe("fixed-work runs", () => {
  it("are deterministic: same config and seed give byte-identical JSON; different seeds differ", async () => {
    const a = await cli("run", "--depth", "3", "--workload", "debian-install", "--duration-ms", "20", "--json");
    const b = await cli("run", "--depth", "3", "--workload", "debian-install", "--duration-ms", "20", "--json");
    expect(a.code).toBe(0);
    expect(a.out).toBe(b.out);
    const c = await cli("run", "--depth", "3", "--workload", "debian-install", "--duration-ms", "20", "--json", "--seed", "2");
    expect(c.out).not.toBe(a.out);
    const j = JSON.parse(a.out) as Record<string, unknown>;
    for (const f of ["cycles", "seconds", "usefulCycles", "leafExits", "l0Traps", "fpTraps", "fpSaves", "fpRestores", "byLevel"]) {
      expect(j).toHaveProperty(f);
    }
  });

  it("execute the same leaf stream whatever the configuration (fixed work)", () => {
    const a = runWorkload(opts(2, "io-heavy"));
    const b = runWorkload(opts(3, "io-heavy", { model: defaultModelConfig({ depth: 3, nv2: false, patch: [] }) }));
    expect(b.usefulCycles).toBe(a.usefulCycles);
    const leafOnly = (e: typeof a.events) => ({ io: e.io, ioUser: e.ioUser, ioIrq: e.ioIrq, ipi: e.ipi, s2: e.s2fault, wfi: e.wfi, fp: e.fpSlices });
    expect(leafOnly(b.events)).toEqual(leafOnly(a.events));
    // wall-time events follow the slower configuration
    expect(b.events.leafTicks).toBeGreaterThanOrEqual(a.events.leafTicks);
  });

  it("fast and exact engines agree exactly on a run with every event kind", () => {
    const o = opts(3, "debian-install", { durationMs: 5, hostPreemptRate: 2000, hostNeonRate: 3000, model: defaultModelConfig({ depth: 3, sveVl: 256, patch: [0] }) });
    const fast = runWorkload({ ...o, engine: "fast" });
    const exact = runWorkload({ ...o, engine: "exact" });
    expect(exactJson(fast)).toBe(exactJson(exact));
  });

  it("fast and exact engines agree exactly over random workloads, seeds and configurations", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.keys(PROFILES)),
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.integer({ min: 1, max: 3 }),
        fc.boolean(),
        fc.constantFrom(0, 128, 1024),
        fc.integer({ min: 0, max: 7 }),
        fc.boolean(),
        fc.constantFrom(0, 100, 250),
        fc.constantFrom(0, 3000),
        (workload, seed, depth, nv2, sveVl, patchMask, nvheIfDepth2, hypHz, hostRate) => {
          if (!nv2 && depth === 3 && workload === "io-heavy") return; // keep the exact run short
          const patch = all(depth).filter((l) => (patchMask >> l) & 1);
          const guestHyp = nvheIfDepth2 && depth === 2 ? "nvhe" : "vhe";
          const o = opts(depth, workload, {
            durationMs: 10,
            seed,
            hypHz,
            hostPreemptRate: hostRate,
            hostNeonRate: hostRate,
            model: defaultModelConfig({ depth, nv2, sveVl, patch, guestHyp }),
          });
          expect(exactJson(runWorkload({ ...o, engine: "fast" }))).toBe(exactJson(runWorkload({ ...o, engine: "exact" })));
        },
      ),
      { numRuns: sized(60, 10), seed: 19 },
    );
  });

  it("a configuration whose ticks cost more than their period livelocks, and says so (exit 2)", async () => {
    const r = await cli("run", "--depth", "4", "--no-nv2", "--duration-ms", "1");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/livelock/);
  });

  it("the hypervisors' and the leaf's ticks can be set or turned off (tickless), which ends that livelock", async () => {
    // depth 4 without NV2: a guest hypervisor's own tick costs more than its 4 ms period at 250 Hz
    const tickless = await cli("run", "--depth", "4", "--no-nv2", "--duration-ms", "1", "--hyp-hz", "0", "--json");
    expect(tickless.code).toBe(0);
    const t = JSON.parse(tickless.out) as { events: { hypTicks: number; leafTicks: number } };
    expect(t.events.hypTicks).toBe(0);
    expect(t.events.leafTicks).toBeGreaterThan(0);
    const none = runWorkload(opts(2, "io-heavy", { timerHz: 0, hypHz: 0 }));
    expect(none.events.leafTicks).toBe(0);
    expect(none.events.hypTicks).toBe(0);
    // twice the tick rate: about twice the ticks over the same simulated time
    const a = runWorkload(opts(2, "idle", { hypHz: 100, durationMs: 200 }));
    const b = runWorkload(opts(2, "idle", { hypHz: 200, durationMs: 200 }));
    expect(b.events.hypTicks / a.events.hypTicks).toBeGreaterThan(1.8);
    expect(b.events.hypTicks / a.events.hypTicks).toBeLessThan(2.2);
    for (const [flag, v] of [["--hyp-hz", "-1"], ["--timer-hz", "x"], ["--hyp-hz", "20000"]] as const) {
      const r = await cli("run", flag, v);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(new RegExp(`${flag.slice(2)}.*0\\.\\.10000`));
    }
  });

  it("depth 1: the patch changes nothing (wallReduction exactly 0)", () => {
    for (const w of Object.keys(PROFILES)) {
      const c = runCompare(opts(1, w, { hostPreemptRate: 500, hostNeonRate: 500 }));
      expect(c.wallReduction).toBe(0);
      expect(exactJson(c.patched)).toBe(exactJson(c.baseline));
    }
  });

  it("the leaf's own hypervisor carrying the patch changes nothing", () => {
    for (const depth of [2, 3, 4]) {
      const a = runWorkload(opts(depth, "io-heavy", { model: defaultModelConfig({ depth, patch: all(depth) }) }));
      const b = runWorkload(opts(depth, "io-heavy", { model: defaultModelConfig({ depth, patch: all(depth - 1) }) }));
      expect(exactJson(b)).toBe(exactJson(a));
    }
  });

  it("elided FP saves and loads equal the nested put/loads performed at patched levels", () => {
    for (const depth of [2, 3, 4]) {
      const r = runWorkload(opts(depth, "debian-install", { hostNeonRate: 1000 }));
      for (const l of r.byLevel) {
        expect(l.fpSavesElided).toBe(l.nestedExceptions + l.nestedErets);
        expect(l.fpLoadsElided).toBe(l.nestedExceptions + l.nestedErets);
      }
      const u = runWorkload(opts(depth, "debian-install", { hostNeonRate: 1000, model: defaultModelConfig({ depth, patch: [] }) }));
      for (const l of u.byLevel) expect(l.fpSavesElided + l.fpLoadsElided).toBe(0n);
    }
  });

  it("absolute cycles saved grow with depth, SVE VL and I/O rate", () => {
    const saved = (depth: number, sveVl: number, ioRate: number): bigint =>
      runCompare(opts(depth, "io-heavy", { ioRate, model: defaultModelConfig({ depth, sveVl }) })).attribution.totalSaved;
    let prev = -1n;
    for (let d = 1; d <= 4; d++) {
      const s = saved(d, 0, 20000);
      expect(s).toBeGreaterThan(prev);
      prev = s;
    }
    expect(saved(3, 2048, 20000)).toBeGreaterThan(saved(3, 512, 20000));
    expect(saved(3, 512, 20000)).toBeGreaterThan(saved(3, 0, 20000));
    expect(saved(3, 0, 20000)).toBeGreaterThan(saved(3, 0, 5000));
    expect(saved(3, 0, 5000)).toBeGreaterThan(saved(3, 0, 0));
  });

  it("compare prints speedup, wallReduction and an attribution", async () => {
    const r = await cli("compare", "--depth", "3", "--workload", "io-heavy", "--duration-ms", "10", "--json");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { speedup: number; wallReduction: number; attribution: { fpByLevel: unknown[] }; baseline: { cycles: number } };
    expect(j.speedup).toBeGreaterThan(1);
    expect(j.wallReduction).toBeCloseTo(1 - 1 / j.speedup, 12);
    expect(j.attribution.fpByLevel).toHaveLength(3);
    const t = await cli("compare", "--depth", "2", "--duration-ms", "5");
    expect(t.out).toMatch(/wall-clock reduction/);
  });

  it("custom profiles are validated: unknown keys and bad values are named errors", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nestlab-wl-"));
    const good = { ...PROFILES["idle"]!, name: "mine" };
    writeFileSync(join(dir, "good.json"), JSON.stringify(good));
    expect((await cli("run", "--workload", join(dir, "good.json"), "--duration-ms", "5", "--json")).code).toBe(0);
    writeFileSync(join(dir, "unknown.json"), JSON.stringify({ ...good, ioRatee: 3 }));
    const u = await cli("run", "--workload", join(dir, "unknown.json"));
    expect(u.code).toBe(2);
    expect(u.err).toMatch(/ioRatee/);
    writeFileSync(join(dir, "bad.json"), JSON.stringify({ ...good, fpUse: 1.5 }));
    const b = await cli("run", "--workload", join(dir, "bad.json"));
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/fpUse.*0\.\.1/);
    const { ioRate: _, ...missing } = good;
    writeFileSync(join(dir, "missing.json"), JSON.stringify(missing));
    expect((await cli("run", "--workload", join(dir, "missing.json"))).err).toMatch(/ioRate missing/);
    expect((await cli("run", "--workload", "nope")).err).toMatch(/io-heavy, debian-install, compute, idle/);
    expect((await cli("run", "--io-rate", "-5")).err).toMatch(/--io-rate/);
    expect((await cli("run", "--duration-ms", "0")).err).toMatch(/--duration-ms/);
  });
});
