/**
 * `npm run bench`: engine performance figures, as one JSON object on stdout (progress on stderr).
 *  - exact engine: L0 traps stepped per second with tracing off (steady state: after a 2 s warm-up, the median and the
 *    best of five rounds of at least 0.5 s each), with every tracepoint on (records dropped), and what the hot path allocates: minor GCs and
 *    heap growth per L0 trap over a round;
 *  - fast engine: time per leaf event at depth 1..8, NV2 on and off, and the heap growth per leaf event;
 *  - one simulated second of depth-4 io-heavy at 20k I/O exits/s: without NV2 (with the default ticks, which the
 *    model finds to livelock, and tickless), and with NV2; cold (first run of its configuration in the process,
 *    memo empty) and warm;
 *  - the exact engine against a base commit (default BASE_COMMIT, or `--base REF`): both bundled alike, rounds
 *    alternated in this one process (paired, so the machine's drift cancels);
 *  - `nestlab micro hvc --depth 1` as a whole process (node lib/cli/bin.cjs: the compiled build), median of 5;
 *  - peak RSS.
 * Targets live here and in the notes, not in tests (timings vary by machine).
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { constants, PerformanceObserver } from "node:perf_hooks";
import { getHeapStatistics } from "node:v8";
import { trapEvent } from "../lib/engine/events";
import { Machine } from "../lib/engine/machine";
import { defaultModelConfig } from "../lib/kvm/config";
import { runWorkload } from "../lib/run/run";
import { subscribe } from "../lib/trace/bus";
import { LimitError } from "../lib/util/errors";
import { projectRoot } from "../lib/util/root";
import { PROFILES } from "../lib/workload/profiles";
import { type EngineApi, loadEngine, worktree } from "./base";

/** the commit before the engine was split into modules (the refactor's base); `--base REF` for another */
export const BASE_COMMIT = "08857f5";

const EV_MMIO_USER = trapEvent({ ec: "DABT_LOW", reason: "mmio-user" });
const EV_HVC = trapEvent({ ec: "HVC64", reason: "hvc" });

let minorGcs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind;
    if (kind === constants.NODE_PERFORMANCE_GC_MINOR) minorGcs++;
  }
}).observe({ entryTypes: ["gc"] });

const say = (s: string): void => void process.stderr.write(`bench: ${s}\n`);

function seconds(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

/** the GC observer reports asynchronously: let it deliver before reading the count */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 20));

/**
 * one round of the exact engine at depth 5 (NV2): leaf FP use + an MMIO exit to the VMM, until >= minSeconds; with
 * `traced`, every tracepoint on and a subscriber that drops the records
 */
function exactRound(traced: boolean, minSeconds: number): { traps: number; s: number; heapBytes: number } {
  const m = new Machine(defaultModelConfig({ depth: 5, patch: [] }));
  if (traced) subscribe(m, "*", () => {});
  m.leafFp();
  m.leafTrap(EV_MMIO_USER); // first pass compiles the paths
  m.drain();
  const heap0 = getHeapStatistics().used_heap_size;
  const t0 = process.hrtime.bigint();
  let traps = 0;
  let s = 0;
  do {
    m.leafFp();
    m.leafTrap(EV_MMIO_USER);
    traps += m.count(0, "l0Traps");
    m.drain();
    s = seconds(t0);
  } while (s < minSeconds);
  return { traps, s, heapBytes: getHeapStatistics().used_heap_size - heap0 };
}

async function exactEngine(traced: boolean): Promise<Record<string, number>> {
  exactRound(traced, 2); // warm-up: JIT tiers settle
  const rates: number[] = [];
  let gcPerMTraps = 0;
  let heapPerTrap = Number.POSITIVE_INFINITY;
  for (let r = 0; r < 5; r++) {
    await settle();
    const gc0 = minorGcs;
    const x = exactRound(traced, 0.5);
    await settle();
    rates.push(x.traps / x.s);
    gcPerMTraps = ((minorGcs - gc0) / x.traps) * 1e6;
    // a round without a collection: the heap growth is what the round allocated
    if (minorGcs === gc0) heapPerTrap = Math.min(heapPerTrap, x.heapBytes / x.traps);
  }
  return {
    l0TrapsPerSecond: Math.round(median(rates)),
    // this machine is a shared VM: rounds vary by ~25% with the host's load; the best round shows the engine's capacity
    l0TrapsPerSecondBest: Math.round(Math.max(...rates)),
    l0TrapsPerSecondRounds: rates.length,
    minorGcsPerMillionTraps: +gcPerMTraps.toFixed(2),
    ...(Number.isFinite(heapPerTrap) ? { heapBytesPerTrap: +heapPerTrap.toFixed(3) } : {}),
  };
}

function perLeafEvent(depth: number, nv2: boolean): Record<string, number | boolean> {
  const m = new Machine(defaultModelConfig({ depth, nv2, patch: [] }), { engine: "fast" });
  const event = (i: number): void => {
    if (i % 2 === 0) m.leafFp();
    if (i % 3 === 0) m.leafTrap(EV_MMIO_USER);
    else if (i % 3 === 1) m.leafTrap(EV_HVC);
    else m.leafIrq("irq-timer");
  };
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < 12; i++) event(i);
  const warmupMs = seconds(t0) * 1000;
  for (let i = 0; i < 20_000; i++) {
    event(i); // JIT warm-up
    if (m.cycles > 2 ** 50) m.drain();
  }
  const n = 100_000;
  m.drain();
  const before = m.leafExits;
  let traps = 0;
  const heap0 = getHeapStatistics().used_heap_size;
  const t1 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    event(i);
    if (m.cycles > 2 ** 50) {
      traps += m.count(0, "l0Traps");
      m.drain();
    }
  }
  const s = seconds(t1);
  const heapBytes = getHeapStatistics().used_heap_size - heap0;
  traps += m.count(0, "l0Traps");
  const exits = m.leafExits - before;
  return {
    depth,
    nv2,
    usPerLeafEvent: +((s / exits) * 1e6).toFixed(3),
    leafEventsPerSecond: Math.round(exits / s),
    l0TrapsPerLeafEvent: Math.round(traps / exits),
    warmupMs: +warmupMs.toFixed(1),
    heapBytesPerLeafEvent: +(Math.max(0, heapBytes) / exits).toFixed(2),
  };
}

function oneSecond(label: string, nv2: boolean, ticks: { timerHz?: number; hypHz?: number }): Record<string, string | number | boolean> {
  const go = (): { ms: number; outcome: string } => {
    const t0 = process.hrtime.bigint();
    try {
      const r = runWorkload({
        model: defaultModelConfig({ depth: 4, nv2 }),
        profile: PROFILES["io-heavy"]!,
        ioRate: 20000,
        ...ticks,
        durationMs: 1000,
        seed: 1,
        clockGhz: 3,
        hostPreemptRate: 0,
        hostNeonRate: 0,
      });
      return { ms: seconds(t0) * 1000, outcome: `${r.seconds.toFixed(2)} simulated s, ${r.leafExits} leaf exits, ${r.l0Traps} L0 traps` };
    } catch (e) {
      if (e instanceof LimitError) return { ms: seconds(t0) * 1000, outcome: `error: ${e.message}` };
      throw e;
    }
  };
  const cold = go();
  const warm = [go(), go(), go()];
  return { run: label, nv2, ...ticks, coldMs: +cold.ms.toFixed(1), warmMs: +median(warm.map((w) => w.ms)).toFixed(1), outcome: cold.outcome };
}

/** one exact round at depth 5 (NV2, no patch) of an engine API: L0 traps per second over >= minSeconds */
function apiRound(api: EngineApi, minSeconds: number): number {
  const ev = api.trapEvent({ ec: "DABT_LOW", reason: "mmio-user" });
  const m = new api.Machine(api.defaultModelConfig({ depth: 5, patch: [] }));
  m.leafFp();
  m.leafTrap(ev);
  m.drain();
  const t0 = process.hrtime.bigint();
  let traps = 0;
  let s = 0;
  do {
    m.leafFp();
    m.leafTrap(ev);
    traps += m.count(0, "l0Traps");
    m.drain();
    s = seconds(t0);
  } while (s < minSeconds);
  return traps / s;
}

/** the exact engine of this checkout against a base commit: 2 s warm-up each, then 8 alternated pairs of rounds */
function againstBase(ref: string): Record<string, unknown> {
  const wt = worktree(ref);
  if (typeof wt === "string") return { base: ref, skipped: wt };
  try {
    const base = loadEngine(wt.dir, "base");
    const head = loadEngine(projectRoot(), "head");
    apiRound(base, 2);
    apiRound(head, 2);
    const b: number[] = [];
    const h: number[] = [];
    const ratios: number[] = [];
    for (let i = 0; i < 8; i++) {
      // alternate which goes first, so that neither always follows the other
      let bb: number;
      let hh: number;
      if (i % 2 === 0) {
        bb = apiRound(base, 0.5);
        hh = apiRound(head, 0.5);
      } else {
        hh = apiRound(head, 0.5);
        bb = apiRound(base, 0.5);
      }
      b.push(bb);
      h.push(hh);
      ratios.push(hh / bb);
    }
    return {
      base: ref,
      baseL0TrapsPerSecond: Math.round(median(b)),
      headL0TrapsPerSecond: Math.round(median(h)),
      medianPairedRatio: +median(ratios).toFixed(3),
      pairedRatios: ratios.map((r) => +r.toFixed(3)),
    };
  } finally {
    wt.dispose();
  }
}

/** `nestlab micro hvc --depth 1` as a whole process: one run to make sure the build is fresh, then 5 timed */
function cliProcess(): Record<string, unknown> {
  const bin = join(projectRoot(), "lib", "cli", "bin.cjs");
  const once = (): number => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [bin, "micro", "hvc", "--depth", "1"], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`nestlab micro failed: ${r.stderr}`);
    return seconds(t0) * 1000;
  };
  once();
  const ms = Array.from({ length: 5 }, once);
  const node = Array.from({ length: 5 }, () => {
    const t0 = process.hrtime.bigint();
    spawnSync(process.execPath, ["-e", "0"]);
    return seconds(t0) * 1000;
  });
  return { medianMs: +median(ms).toFixed(1), runsMs: ms.map((x) => +x.toFixed(1)), nodeAloneMedianMs: +median(node).toFixed(1) };
}

async function main(): Promise<void> {
  const bi = process.argv.indexOf("--base");
  const baseRef = bi >= 0 ? process.argv[bi + 1]! : BASE_COMMIT;
  say(`exact engine against ${baseRef} (alternated rounds)`);
  const vsBase = againstBase(baseRef);
  say("nestlab micro hvc --depth 1, whole process");
  const cli = cliProcess();
  say("exact engine (tracing off)");
  const exact = await exactEngine(false);
  say("exact engine (every tracepoint on)");
  const exactTraced = await exactEngine(true);
  const levels: ReturnType<typeof perLeafEvent>[] = [];
  for (const nv2 of [true, false]) {
    for (let d = 1; d <= 8; d++) {
      say(`fast engine depth ${d} NV2 ${nv2 ? "on" : "off"}`);
      levels.push(perLeafEvent(d, nv2));
    }
  }
  say("one simulated second, depth 4");
  const seconds1 = [
    oneSecond("no NV2, default ticks (leaf 250 Hz, hypervisors 250 Hz)", false, {}),
    oneSecond("no NV2, tickless hypervisors (leaf 250 Hz)", false, { hypHz: 0 }),
    oneSecond("no NV2, tickless (leaf and hypervisors)", false, { timerHz: 0, hypHz: 0 }),
    oneSecond("NV2, default ticks", true, {}),
  ];
  // the targets, judged here (never in tests)
  const us = (d: number, nv2: boolean): number => Number(levels.find((l) => l.depth === d && l.nv2 === nv2)!.usPerLeafEvent);
  // at most linear: no depth d costs more than d times depth 1
  const linear = [true, false].every((nv2) => [2, 3, 4, 5, 6, 7, 8].every((d) => us(d, nv2) <= us(1, nv2) * d));
  const tickless = seconds1[1]!;
  const targets = {
    exactEngine2MTrapsPerSecond: exact.l0TrapsPerSecond! >= 2e6,
    exactEngineNoMinorGc: exact.minorGcsPerMillionTraps === 0,
    fastEngineAtMostLinearInDepth: linear,
    oneSecondDepth4NoNv2Under100ms: {
      defaultTicks: "livelock in the model (see outcome)",
      ticklessHypervisorsWarm: Number(tickless.warmMs) < 100,
      ticklessHypervisorsCold: Number(tickless.coldMs) < 100,
    },
    peakRssUnder500MB: process.resourceUsage().maxRSS / 1024 < 500,
    // paired rounds cancel the host's drift; a ratio within 3% of 1 is this machine's round-to-round noise
    exactEngineNoSlowerThanBase: typeof vsBase.medianPairedRatio === "number" ? vsBase.medianPairedRatio >= 0.97 : "not measured",
    cliMicroUnder250ms: Number(cli.medianMs) <= 250,
  };
  const out = {
    node: process.version,
    targets,
    exactEngine: { ...exact, withTracing: exactTraced, againstBase: vsBase },
    cliMicroHvcDepth1: cli,
    fastEngine: levels,
    oneSecondIoHeavy20kDepth4: seconds1,
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  process.stdout.write(JSON.stringify(out, null, 2) + "\n");
}

void main();
