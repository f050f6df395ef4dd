import { planSweep } from "../sweep/grid";
import { runSweep, type SweepProgress } from "../sweep/sweep";
import { resultsTable, seedSummary, speedupTable } from "../sweep/table";

/**
 * The patch's claims and the model's figures for them, each from several seeds with a 95% interval (Student's t, via
 * seedSummary), and the compare table the same way (docs/explain.md "Claims, seeds and adoption").
 *
 * Adoption: the second claim says "L1 and L2 have this optimisation". `1+2` is that adoption as stated; at depth 3 L2
 * is the leaf's own hypervisor, whose adoption changes nothing, so it equals `1`. `all` adds L0: the posting does not
 * say whether its host ran the change; the author's own platform most likely ran the kernel under test, so `all` is
 * read as most likely meant (an inference, docs/explain.md), and both are computed.
 */
export interface Claim {
  readonly id: string;
  readonly text: string;
  readonly source: string;
  readonly workload: string;
  readonly depth: number;
  /** the claimed wall-clock reduction: at least `low`, at most `high` (null: no upper bound) */
  readonly low: number;
  readonly high: number | null;
  /** adoptions to compute, as sweep `patch` values; the first is the one the claim most likely meant */
  readonly adoptions: readonly string[];
}

export const CLAIMS: readonly Claim[] = [
  {
    id: "debian-install",
    text: "Debian installer as an L3 guest: 10-20% improvement",
    source: "cover letter, [PATCH 0/2]",
    workload: "debian-install",
    depth: 3,
    low: 0.1,
    high: 0.2,
    adoptions: ["all"],
  },
  {
    id: "io-heavy",
    text: "I/O-heavy EL1 L3 guest, L1 and L2 with the optimisation: at least 10% wall-clock reduction",
    source: "[PATCH 2/2] commit message",
    workload: "io-heavy",
    depth: 3,
    low: 0.1,
    high: null,
    adoptions: ["all", "1+2"],
  },
];

export interface ClaimRow {
  readonly claim: string;
  readonly workload: string;
  readonly depth: number;
  readonly sveVl: number;
  /** sweep form: `all`, `1+2` */
  readonly patch: string;
  /** true for the adoption the claim most likely meant */
  readonly meant: boolean;
  readonly n: number;
  readonly reductionMean: number;
  readonly reductionCi95: number;
  readonly speedupMean: number;
  readonly speedupCi95: number;
  readonly claimLow: number;
  readonly claimHigh: number | null;
}

export interface SeedOptions {
  /** seeds per point (at least 5 for a headline figure; default 5), derived from seed 1 as `sweep --seeds` does */
  readonly seeds?: number;
  readonly durationMs?: number;
  readonly workers?: number;
  readonly onProgress?: (p: SweepProgress) => void;
}

export const HEADLINE_SEEDS = 5;

type Summary = { [k: string]: unknown };

/** mean and 95% interval of the wall-clock reduction per point, from a sweep with a `patch` axis holding `none` */
async function reductionSummary(axes: { readonly [name: string]: unknown }, o: SeedOptions): Promise<Summary[]> {
  const plan = planSweep({ axes: { "duration-ms": o.durationMs ?? 1000, ...axes }, seeds: o.seeds ?? HEADLINE_SEEDS });
  const doc = await runSweep(plan, { ...(o.workers !== undefined ? { workers: o.workers } : {}), ...(o.onProgress ? { onProgress: o.onProgress } : {}) });
  const s = seedSummary(speedupTable(resultsTable(doc.rows), { axis: "patch", baseline: "none" }));
  return s.objects() as Summary[];
}

/** The claims' rows: model mean and 95% interval over seeds, beside the claimed range, for each adoption. */
export async function claimsTable(o: SeedOptions & { readonly sveVl?: number } = {}): Promise<ClaimRow[]> {
  const sveVl = o.sveVl ?? 0;
  const rows = await reductionSummary(
    { workload: CLAIMS.map((c) => c.workload), depth: 3, "sve-vl": sveVl, patch: ["none", ...new Set(CLAIMS.flatMap((c) => c.adoptions))] },
    o,
  );
  return CLAIMS.flatMap((c) =>
    c.adoptions.map((patch, i) => {
      const r = rows.find((x) => x.workload === c.workload && x.patch === patch && x.depth === c.depth)!;
      return {
        claim: c.text,
        workload: c.workload,
        depth: c.depth,
        sveVl,
        patch,
        meant: i === 0,
        n: r.n as number,
        reductionMean: r.reductionMean as number,
        reductionCi95: r.reductionCi95 as number,
        speedupMean: r.speedupMean as number,
        speedupCi95: r.speedupCi95 as number,
        claimLow: c.low,
        claimHigh: c.high,
      };
    }),
  );
}

export interface CompareTableRow {
  readonly workload: string;
  readonly sveVl: number;
  readonly depth: number;
  readonly n: number;
  readonly reductionMean: number;
  readonly reductionCi95: number;
}

/** The compare table (every level patched vs none): wall-clock reduction by workload, SVE VL and depth, over seeds. */
export async function compareTable(
  o: SeedOptions & { readonly workloads?: readonly string[]; readonly sveVls?: readonly number[]; readonly depths?: readonly number[] } = {},
): Promise<CompareTableRow[]> {
  const workloads = o.workloads ?? ["io-heavy", "debian-install", "compute", "idle"];
  const sveVls = o.sveVls ?? [0, 512, 2048];
  const depths = o.depths ?? [1, 2, 3, 4];
  const rows = await reductionSummary({ workload: [...workloads], "sve-vl": [...sveVls], depth: [...depths], patch: ["none", "all"] }, o);
  return rows
    .filter((r) => r.patch === "all")
    .map((r) => ({
      workload: r.workload as string,
      sveVl: r.sveVl as number,
      depth: r.depth as number,
      n: r.n as number,
      reductionMean: r.reductionMean as number,
      reductionCi95: r.reductionCi95 as number,
    }));
}
