/**
 * The headline figures: what the report's summary and the README quote, computed from the model every time (none
 * typed by hand). One function computes them all, so the summary, the README's generated blocks and the tests that
 * keep them honest read the same numbers.
 *
 * The question: what does the FP/SVE save/restore elision on nested exception and nested ERET do to nested
 * virtualization performance, and is it safe? The posting's claims are the inputs below (CLAIMS); everything else
 * comes out of runCompare / sensitivity / runMicro / checkRandom at fixed seeds.
 */
import {
  checkConfig,
  checkRandom,
  defaultModelConfig,
  FP_POLICIES,
  type FpPolicy,
  LimitError,
  MICRO_OPS,
  type MicroOp,
  PROFILES,
  runCompare,
  runMicro,
  runWorkload,
  sensitivity,
  UNSOURCED_COSTS,
  SVE_VECTOR_LENGTHS,
  EXIT_WINDOW_MS,
  exitAttribution,
  exitChartRows,
} from "../lib/index";
import { type Summary, summarize } from "./format";

/** The posting's claims (inputs, quoted): the wall-clock reduction claimed for a workload at a depth. */
export interface Claim {
  readonly id: string;
  readonly workload: string;
  readonly depth: number;
  /** claimed reduction, as a fraction: at least `min`, at most `max` (null: no upper bound) */
  readonly min: number;
  readonly max: number | null;
  /** what was claimed, in the posting's words */
  readonly text: string;
  /**
   * The claim's adoption as written, when it names levels: the model's headline row patches every level (L0 too: an
   * inference, the posting does not say; docs/explain.md "Claims, seeds and adoption"); this row patches only these.
   */
  readonly asWritten?: { readonly patch: readonly number[]; readonly text: string };
}

export const CLAIMS: readonly Claim[] = [
  { id: "debian-install", workload: "debian-install", depth: 3, min: 0.1, max: 0.2, text: "a Debian installer in an L3 guest" },
  {
    id: "io-heavy",
    workload: "io-heavy",
    depth: 3,
    min: 0.1,
    max: null,
    text: "an I/O-heavy L3 workload with L1 and L2 patched",
    asWritten: { patch: [1, 2], text: "only L1 and L2 patched, as written (at depth 3 the same as L1 alone: L2 makes no nested transitions)" },
  },
];

/** The published single-level figures the model is calibrated near (Ampere Altra, kvm-unit-tests micro-bench). */
export const ALTRA_NS: Readonly<Partial<Record<MicroOp, number>>> = { hvc: 306, "mmio-user": 1683, "mmio-kernel": 451 };

export interface FigureOptions {
  /** smaller: 2 seeds, 200 ms runs, fewer steps (the report's --quick); the README always uses the full figures */
  readonly quick?: boolean;
  readonly log?: (line: string) => void;
}

export interface ClaimFigure {
  readonly claim: Claim;
  /** wall-clock reduction over seeds (fractions) */
  readonly model: Summary;
  /** the sensitivity band at the first seed: every unsourced unit cost x0.5 and x2, one at a time and all, two clocks */
  readonly band: { readonly min: number; readonly max: number; readonly minCase: string; readonly maxCase: string; readonly cases: number };
  /** where the model's value sits against the claim */
  readonly verdict: "below" | "within" | "above";
  /** model mean / claimed minimum */
  readonly shareOfClaim: number;
  /** the claim's adoption as written (Claim.asWritten), over the same seeds */
  readonly asWritten?: Summary;
}

export interface DepthRow {
  readonly workload: string;
  readonly depth: number;
  readonly sveVl: number;
  /** mean over seeds; null when the configuration livelocks */
  readonly wallReduction: number | null;
  readonly wallReductionCi95: number | null;
  readonly bandMin: number | null;
  readonly bandMax: number | null;
  readonly note: string;
}

export interface Figures {
  readonly quick: boolean;
  readonly run: { readonly durationMs: number; readonly seeds: readonly number[]; readonly clockGhz: number; readonly sveVl: number; readonly bandCases: number };
  readonly claims: readonly ClaimFigure[];
  /** FPSIMD, depth 1..maxDepth, both claimed workloads, seeds and band: the main chart */
  readonly byDepth: readonly DepthRow[];
  /** the first depth at which io-heavy livelocks (default ticks), with and without NV2 */
  readonly livelockDepth: { readonly nv2: number | null; readonly noNv2: number | null };
  /** reduction at seed 1 by workload, SVE VL and depth (1 s of work) */
  readonly sveTable: readonly { readonly workload: string; readonly sveVl: number; readonly depth: number; readonly wallReduction: number | null }[];
  /** io-heavy, which levels carry the patch (seed 1) */
  readonly adoption: readonly { readonly depth: number; readonly levels: string; readonly wallReduction: number }[];
  /** micro hvc: L0 traps per leaf HVC by depth, NV2 on and off */
  readonly amplification: readonly { readonly depth: number; readonly nv2: boolean; readonly l0Traps: number; readonly cycles: number }[];
  /** depth-1 micro benchmarks against Altra */
  readonly calibration: readonly { readonly op: MicroOp; readonly cycles: number; readonly altraNs: number; readonly altraCycles: number; readonly gap: number }[];
  /**
   * One io-heavy leaf event (an exit of the leaf's stream with the FP traps it causes) at the claims' depth (FPSIMD, seed 1), by the code that raised its traps, before and after
   * the change; `fpShare`: FP work's share of the baseline run's cycles (what bounds any FP elision).
   */
  readonly exit: {
    readonly depth: number;
    readonly leafEvents: number;
    readonly baseline: { readonly cycles: number; readonly l0Traps: number };
    readonly patched: { readonly cycles: number; readonly l0Traps: number };
    readonly components: readonly { readonly component: string; readonly baseline: number; readonly patched: number }[];
    readonly fpShare: number;
  };
  /** FP/SVE integrity: random schedules per policy and configuration */
  readonly safety: {
    readonly steps: number;
    readonly seeds: readonly number[];
    readonly rows: readonly { readonly policy: FpPolicy; readonly config: string; readonly steps: number; readonly violations: number; readonly counterexample: string }[];
  };
}

const WORKLOADS_FOR_TABLE = ["io-heavy", "debian-install", "compute", "idle"] as const;

export function computeFigures(o: FigureOptions = {}): Figures {
  const quick = o.quick ?? false;
  const log = o.log ?? (() => {});
  const durationMs = quick ? 200 : 1000;
  const seeds = quick ? [1, 2] : [1, 2, 3, 4, 5];
  const clockGhz = 3;
  const base = { durationMs, clockGhz, hostPreemptRate: 0, hostNeonRate: 0 };
  const maxDepth = quick ? 4 : 5;
  const bandDepths = quick ? [3] : [2, 3, 4];

  const compare = (workload: string, depth: number, seed: number, over: Parameters<typeof defaultModelConfig>[0] = {}): number | null => {
    try {
      return runCompare({ ...base, model: defaultModelConfig({ depth, ...over }), profile: PROFILES[workload]!, seed }).wallReduction;
    } catch (e) {
      if (e instanceof LimitError) return null;
      throw e;
    }
  };
  const band = (workload: string, depth: number): ClaimFigure["band"] => {
    const b = sensitivity({ ...base, model: defaultModelConfig({ depth }), profile: PROFILES[workload]!, seed: seeds[0]! });
    return { min: b.min.wallReduction, max: b.max.wallReduction, minCase: b.min.name, maxCase: b.max.name, cases: b.cases.length };
  };

  // the main chart: both claimed workloads by depth, FPSIMD, seeds; the band where it is computed
  log("figures: wall-clock reduction by depth over seeds");
  const byDepth: DepthRow[] = [];
  const bands = new Map<string, ClaimFigure["band"]>();
  const samples = new Map<string, Summary>();
  for (const claim of CLAIMS) {
    for (let depth = 1; depth <= maxDepth; depth++) {
      const xs = seeds.map((seed) => compare(claim.workload, depth, seed));
      if (xs.some((x) => x === null)) {
        byDepth.push({ workload: claim.workload, depth, sveVl: 0, wallReduction: null, wallReductionCi95: null, bandMin: null, bandMax: null, note: "no progress: livelock" });
        continue;
      }
      const s = summarize(xs as number[]);
      samples.set(`${claim.workload}|${depth}`, s);
      let b: ClaimFigure["band"] | undefined;
      if (bandDepths.includes(depth) || depth === claim.depth) {
        log(`figures: sensitivity band, ${claim.workload} depth ${depth}`);
        b = band(claim.workload, depth);
        bands.set(`${claim.workload}|${depth}`, b);
      }
      byDepth.push({
        workload: claim.workload,
        depth,
        sveVl: 0,
        wallReduction: s.mean,
        wallReductionCi95: Number.isFinite(s.ci95) ? s.ci95 : null,
        bandMin: b?.min ?? null,
        bandMax: b?.max ?? null,
        note: "",
      });
    }
  }

  const claims: ClaimFigure[] = CLAIMS.map((claim) => {
    const model = samples.get(`${claim.workload}|${claim.depth}`) ?? summarize(seeds.map((seed) => compare(claim.workload, claim.depth, seed) ?? Number.NaN));
    const b = bands.get(`${claim.workload}|${claim.depth}`) ?? band(claim.workload, claim.depth);
    const verdict = model.mean < claim.min ? "below" : claim.max !== null && model.mean > claim.max ? "above" : "within";
    const written = claim.asWritten;
    const asWritten = written ? summarize(seeds.map((seed) => compare(claim.workload, claim.depth, seed, { patch: [...written.patch] }) ?? Number.NaN)) : undefined;
    return { claim, model, band: b, verdict, shareOfClaim: model.mean / claim.min, ...(asWritten ? { asWritten } : {}) };
  });

  log("figures: livelock depth, SVE table, adoption");
  const firstLivelock = (nv2: boolean): number | null => {
    for (let depth = 1; depth <= 8; depth++) if (compare("io-heavy", depth, 1, { nv2 }) === null) return depth;
    return null;
  };
  const livelockDepth = { nv2: firstLivelock(true), noNv2: firstLivelock(false) };

  const sveTable: Figures["sveTable"][number][] = [];
  // every vector length for the claimed workloads (where the claims are first reached), three for the others' table
  for (const workload of quick ? CLAIMS.map((c) => c.workload) : WORKLOADS_FOR_TABLE) {
    const claimed = CLAIMS.some((c) => c.workload === workload);
    for (const sveVl of claimed ? SVE_VECTOR_LENGTHS : ([0, 512, 2048] as const)) {
      for (let depth = 1; depth <= 4; depth++) sveTable.push({ workload, sveVl, depth, wallReduction: compare(workload, depth, seeds[0]!, { sveVl }) });
    }
  }

  const adoption: Figures["adoption"][number][] = [];
  for (const depth of [3, 4]) {
    const sets: number[][] = [[0], [1], [0, 1], Array.from({ length: depth }, (_, i) => i)];
    for (const levels of sets) {
      const r = compare("io-heavy", depth, seeds[0]!, { patch: levels });
      if (r !== null) adoption.push({ depth, levels: levels.length === depth ? "all" : levels.map((l) => `L${l}`).join("+"), wallReduction: r });
    }
  }

  log("figures: one leaf event, before and after");
  const exitDepth = CLAIMS.find((c) => c.workload === "io-heavy")?.depth ?? 3;
  const exitOpts = { ...base, model: defaultModelConfig({ depth: exitDepth }), profile: PROFILES["io-heavy"]!, seed: seeds[0]! };
  const exitBefore = exitAttribution({ ...exitOpts, model: { ...exitOpts.model, patch: [] } }, Math.min(durationMs, EXIT_WINDOW_MS));
  const exitAfter = exitAttribution(exitOpts, Math.min(durationMs, EXIT_WINDOW_MS));
  const afterRows = exitChartRows(exitAfter, "patched");
  // the unpatched run alone (its FP share): a compare would run the patched one too, for nothing
  const baseRun = runWorkload({ ...exitOpts, model: { ...exitOpts.model, patch: [] } });
  const fpi = baseRun.fpInclusive;
  const fpCycles = Number(fpi.trap + fpi.save + fpi.restore + fpi.zcr);
  const exit: Figures["exit"] = {
    depth: exitDepth,
    leafEvents: exitBefore.leafEvents,
    baseline: exitBefore.perExit,
    patched: exitAfter.perExit,
    components: exitChartRows(exitBefore, "baseline")
      .map((r) => ({ component: r.component, baseline: r.cycles, patched: afterRows.find((a) => a.component === r.component)?.cycles ?? 0 }))
      .sort((a, b) => b.baseline - a.baseline),
    fpShare: fpCycles / Number(baseRun.cycles),
  };

  log("figures: micro benchmarks");
  const amplification: Figures["amplification"][number][] = [];
  for (let depth = 1; depth <= 6; depth++) {
    for (const nv2 of [true, false]) {
      const m = runMicro(defaultModelConfig({ depth, nv2, patch: [] }), { op: "hvc", iterations: 8, leafFp: false });
      amplification.push({ depth, nv2, l0Traps: m.l0Traps, cycles: m.cycles });
    }
  }
  const calibration = MICRO_OPS.filter((op) => ALTRA_NS[op] !== undefined).map((op) => {
    const m = runMicro(defaultModelConfig({ depth: 1 }), { op, iterations: 8, leafFp: false });
    const altraNs = ALTRA_NS[op]!;
    const altraCycles = Math.round(altraNs * clockGhz);
    return { op, cycles: m.cycles, altraNs, altraCycles, gap: m.cycles / altraCycles - 1 };
  });

  log("figures: FP/SVE safety");
  const steps = quick ? 2000 : 20000;
  const safetySeeds = quick ? [1] : [1, 2, 3];
  const configs = [
    { config: "depth 2, FPSIMD", depth: 2, sveVl: 0 },
    { config: "depth 2, SVE 512", depth: 2, sveVl: 512 },
    { config: "depth 3, SVE 512", depth: 3, sveVl: 512 },
  ] as const;
  const safetyRows: Figures["safety"]["rows"][number][] = [];
  for (const policy of FP_POLICIES) {
    for (const c of configs) {
      let violations = 0;
      let counterexample = "";
      for (const seed of safetySeeds) {
        const r = checkRandom(checkConfig(c.depth, policy, { sveVl: c.sveVl }), { steps, seed });
        violations += r.violations;
        if (!counterexample && r.firstViolation) counterexample = r.firstViolation.text;
      }
      safetyRows.push({ policy, config: c.config, steps: steps * safetySeeds.length, violations, counterexample });
    }
  }

  return {
    quick,
    run: { durationMs, seeds, clockGhz, sveVl: 0, bandCases: 2 * UNSOURCED_COSTS.length + 2 + 2 },
    claims,
    byDepth,
    livelockDepth,
    sveTable,
    adoption,
    amplification,
    calibration,
    exit,
    safety: { steps, seeds: safetySeeds, rows: safetyRows },
  };
}

/** The policies a reviewer would accept: mainline and the change. The others are deliberately unsound variants. */
export const SOUND_POLICIES: readonly FpPolicy[] = ["baseline", "nv-fp-elision"];

/** The first grid point (smallest depth, then vector length) where a claim's workload reaches its claimed minimum. */
export function claimReach(f: Figures, c: Claim): { depth: number; sveVl: number; wallReduction: number } | null {
  const hits = f.sveTable.filter((r) => r.workload === c.workload && r.wallReduction !== null && r.wallReduction >= c.min);
  const first = [...hits].sort((a, b) => a.depth - b.depth || a.sveVl - b.sveVl)[0];
  return first ? { depth: first.depth, sveVl: first.sveVl, wallReduction: first.wallReduction! } : null;
}

/** The safety result in counts: sound policies' violations, and each unsound variant's with an example. */
export function safetyFacts(f: Figures): {
  configs: string[];
  stepsPerConfig: number;
  soundViolations: number;
  unsound: { policy: FpPolicy; violations: number; example: string }[];
} {
  const sound = f.safety.rows.filter((r) => SOUND_POLICIES.includes(r.policy));
  const policies = [...new Set(f.safety.rows.filter((r) => !SOUND_POLICIES.includes(r.policy)).map((r) => r.policy))];
  return {
    configs: [...new Set(f.safety.rows.map((r) => r.config))],
    stepsPerConfig: f.safety.steps * f.safety.seeds.length,
    soundViolations: sound.reduce((s, r) => s + r.violations, 0),
    unsound: policies.map((policy) => {
      const rows = f.safety.rows.filter((r) => r.policy === policy);
      return { policy, violations: rows.reduce((s, r) => s + r.violations, 0), example: rows.find((r) => r.counterexample !== "")?.counterexample ?? "" };
    }),
  };
}
