/**
 * The report's opening: the question, the answer with numbers and intervals (claims against the model), the main
 * chart, the safety result and what the model leaves out. Every number is taken from the Figures of this run and
 * wrapped in <span class="fig"> (the report's test checks that no other number appears in the summary).
 */
import type { TopLevelSpec } from "vega-lite";
import { type DataRow, sensitivityBandChart } from "../lib/index";
import { type ClaimFigure, type Figures, SOUND_POLICIES } from "./figures";
import { formatCount, formatPercent } from "./format";
import { limitations } from "./limitations";
import { markdownToHtml } from "./markdown";

const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
/** a generated figure */
const fig = (text: string): string => `<span class="fig">${esc(text)}</span>`;
const pct = (v: number, digits = 2): string => fig(formatPercent(v, digits));
const level = (depth: number): string => `<span class="fig">L${depth}</span>`;

function claimedRange(c: ClaimFigure["claim"]): string {
  return c.max === null ? `at least ${pct(c.min, 0)}` : `${pct(c.min, 0)} to ${pct(c.max, 0)}`;
}

/** The main chart: wall-clock time saved by depth (FPSIMD), both claimed workloads, band, claims drawn. */
export function mainChart(f: Figures): { spec: TopLevelSpec; rows: DataRow[] } {
  const rows: DataRow[] = f.byDepth.map((r) => ({ ...r }));
  const title = "Wall-clock time saved by the FP-elision patch (FPSIMD, every level patched): model against the claims";
  const subtitle = `Points: mean over ${f.run.seeds.length} seeds; bars: unit-cost sensitivity band (${f.run.bandCases} cases); shaded: the posting's claims.`;
  const open = f.claims.some((c) => c.claim.max === null);
  const spec = sensitivityBandChart(rows, {
    x: "depth",
    y: "wallReduction",
    min: "bandMin",
    max: "bandMax",
    color: "workload",
    note: "note",
    bandTitle: "sensitivity band",
    colorTitle: "workload",
    title,
    subtitle,
    width: 520,
    height: 300,
    claims: f.claims.map((c) => ({
      series: c.claim.workload,
      at: c.claim.depth,
      min: c.claim.min,
      max: c.claim.max,
      label: c.claim.max === null ? `claimed ≥ ${formatPercent(c.claim.min, 0)}` : `claimed ${formatPercent(c.claim.min, 0)}–${formatPercent(c.claim.max, 0)}`,
    })),
  });
  // an open-ended claim's key on a line of its own (one line would outgrow the chart)
  return { spec: open ? ({ ...spec, title: { text: title, subtitle: [subtitle, "▲ at the top: an open-ended claim (no upper bound), shaded to the axis top."] } } as TopLevelSpec) : spec, rows };
}

export interface SummaryHtml {
  /** everything before the chart (question, answer) */
  readonly head: string;
  /** everything after the chart (safety, what is left out) */
  readonly tail: string;
}

/** The runs the report's sections made (from their recorded parameters): leaf work per run and seeds. */
export interface SectionRuns {
  readonly durationMs: readonly number[];
  readonly seeds: readonly number[];
}

/** Every `durationMs` and the largest seed count (`seeds` arrays) among the notebooks' records. */
export function sectionRuns(records: readonly unknown[]): SectionRuns {
  const durationMs: number[] = [];
  const seeds: number[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === "object") {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        if (k === "durationMs" && typeof x === "number") durationMs.push(x);
        else if (k === "seeds" && Array.isArray(x)) seeds.push(x.length);
        else walk(x);
      }
    }
  };
  records.forEach(walk);
  return { durationMs, seeds };
}

export function summaryHtml(f: Figures, sections?: SectionRuns): SummaryHtml {
  const head: string[] = [];
  head.push(`<h2 id="question">The question</h2>`);
  head.push(
    `<p>What does eliding the FP/SVE register save and restore on a nested exception and a nested ERET ("KVM: arm64: nv: Don't save/restore FP register during a nested ERET or exception") do to the performance of nested virtualization on arm64 (KVM with FEAT_NV2), and is it safe? The posting claims a Debian installer in an ${level(
      f.claims[0]!.claim.depth,
    )} guest runs ${claimedRange(f.claims[0]!.claim)} faster and an I/O-heavy ${level(f.claims[1]!.claim.depth)} workload saves ${claimedRange(f.claims[1]!.claim)} of wall-clock time.</p>`,
  );

  // the answer
  const below = f.claims.filter((c) => c.verdict === "below");
  const lead =
    below.length === f.claims.length
      ? "No: the model does not reproduce the claimed speedups."
      : below.length === 0
        ? "Yes: the model reproduces the claimed speedups."
        : "Partly: the model reproduces some of the claims.";
  head.push(`<h2 id="answer">The answer</h2>`);
  head.push(`<p class="lead"><strong>${lead}</strong> It finds the change safe.</p>`);
  head.push(
    `<table class="claims"><thead><tr><th class="text">claim</th><th class="text">claimed</th><th class="num">model: wall-clock time saved, mean</th><th class="text">95% CI over seeds</th><th class="text">unit-cost sensitivity band</th><th class="num">model ÷ claimed minimum</th></tr></thead><tbody>` +
      f.claims
        .map(
          (c) =>
            `<tr><td class="text">${esc(c.claim.text).replace(/L(\d)/, (_m, d: string) => level(Number(d)))}${c.asWritten ? ", read as every level patched, L0 included" : ""}</td><td class="text">${claimedRange(c.claim)}</td>` +
            `<td class="num">${pct(c.model.mean)}</td><td class="text">${pct(c.model.mean - c.model.ci95)} to ${pct(c.model.mean + c.model.ci95)} (${fig(String(c.model.n))} seeds)</td>` +
            `<td class="text">${pct(c.band.min)} (${fig(c.band.minCase)}) to ${pct(c.band.max)} (${fig(c.band.maxCase)})</td><td class="num">${pct(c.shareOfClaim, 0)}</td></tr>` +
            (c.asWritten && c.claim.asWritten
              ? `<tr><td class="text">the same, ${esc(c.claim.asWritten.text).replace(/(?<![A-Za-z])(\d+)/g, (_m, d: string) => fig(d))}</td><td class="text">${claimedRange(c.claim)}</td><td class="num">${pct(c.asWritten.mean)}</td>` +
                `<td class="text">${pct(c.asWritten.mean - c.asWritten.ci95)} to ${pct(c.asWritten.mean + c.asWritten.ci95)} (${fig(String(c.asWritten.n))} seeds)</td><td class="text">-</td><td class="num">${pct(c.asWritten.mean / c.claim.min, 0)}</td></tr>`
              : ""),
        )
        .join("") +
      `</tbody></table>`,
  );
  const highest = Math.max(...f.claims.map((c) => c.band.max));
  const lowestClaim = Math.min(...f.claims.map((c) => c.claim.min));
  const bullets: string[] = [];
  bullets.push(
    `Each figure is one fixed amount of leaf work (${fig(formatCount(f.run.durationMs))} ms of native work, ${fig(String(f.run.seeds.length))} seeds) run with and without the patch on the same event stream, FPSIMD only, at ${fig(String(f.run.clockGhz))} GHz. The headline rows patch every level, L0 included. The posting does not say which levels ran the change; its author measured on their own platform, whose host most likely ran the kernel under test, so the model reads the claims as L0 patched too (an inference, argued in docs/explain.md); the row below a claim that names levels patches only those. The sensitivity band re-runs it with every unsourced unit cost halved and doubled, one at a time and all together, and at two other clocks (${fig(String(f.run.bandCases))} cases); its highest value, ${pct(highest)}, is ${
      highest < lowestClaim ? "still below" : "within reach of"
    } the claimed ${pct(lowestClaim, 0)}: the gap is structural, not a matter of unit costs.`,
  );
  const reach = f.claims.map((c) => {
    const hits = f.sveTable.filter((r) => r.workload === c.claim.workload && r.wallReduction !== null && r.wallReduction >= c.claim.min);
    const vls = [...new Set(f.sveTable.filter((r) => r.workload === c.claim.workload).map((r) => r.sveVl))].join(", ");
    if (hits.length === 0) return `${esc(c.claim.workload)} never reaches ${pct(c.claim.min, 0)} at depth ${fig("1")} to ${fig("4")} with SVE vector lengths ${fig(vls)}`;
    const first = [...hits].sort((a, b) => a.depth - b.depth || a.sveVl - b.sveVl)[0]!;
    return `${esc(c.claim.workload)} reaches ${pct(c.claim.min, 0)} first at depth ${fig(String(first.depth))} with ${first.sveVl === 0 ? "FPSIMD" : `SVE (vector length ${fig(String(first.sveVl))} bits)`}: ${pct(first.wallReduction!)}`;
  });
  bullets.push(`Where the model does reach the claimed range: ${reach.join("; ")}.`);
  if (sections && sections.durationMs.length > 0) {
    // the sections run less leaf work (and sometimes fewer seeds) than these figures: the same figure can differ there
    const lo = Math.min(...sections.durationMs);
    const hi = Math.max(...sections.durationMs);
    const span = lo === hi ? `${fig(formatCount(lo))} ms` : `${fig(formatCount(lo))} ms to ${fig(formatCount(hi))} ms`;
    const most = sections.seeds.length > 0 ? Math.max(...sections.seeds) : f.run.seeds.length;
    const shorter = hi < f.run.durationMs;
    bullets.push(
      `The sections below run ${span} of leaf work per run${most < f.run.seeds.length ? ` over at most ${fig(String(most))} seeds` : ""}, ${shorter ? "less than" : "against"} the ${fig(formatCount(f.run.durationMs))} ms of these figures, so the same figure there can differ from the one here in its last digits; each section's tables and charts state their runs.`,
    );
  }
  const amp = (depth: number, nv2: boolean): string => fig(formatCount(f.amplification.find((a) => a.depth === depth && a.nv2 === nv2)?.l0Traps ?? Number.NaN));
  const d = f.claims[0]!.claim.depth;
  bullets.push(
    `Why the saving is small: what the patch removes (FP saves, restores and lazy FP traps on nested transitions) is a small part of what a nested exit costs. At depth ${fig(String(d))} a leaf's null hypercall takes ${amp(d, true)} traps to L0 with NV2 (${amp(d, false)} without), most of them timer, interrupt-controller, PMU and system-register accesses in the guest hypervisors' vcpu put/load, which the patch leaves in place.`,
  );
  bullets.push(
    `Deeper nesting is not an option in the model: with the default timer ticks an I/O-heavy guest makes no progress (livelock: the ticks cost more than their period) from depth ${fig(String(f.livelockDepth.nv2 ?? "none"))} with NV2 and depth ${fig(String(f.livelockDepth.noNv2 ?? "none"))} without.`,
  );
  head.push(`<ul>${bullets.map((b) => `<li>${b}</li>`).join("")}</ul>`);

  const tail: string[] = [];
  tail.push(`<h2 id="safety">Is it safe?</h2>`);
  const sound = f.safety.rows.filter((r) => SOUND_POLICIES.includes(r.policy));
  const unsound = f.safety.rows.filter((r) => !SOUND_POLICIES.includes(r.policy));
  const soundViolations = sound.reduce((s, r) => s + r.violations, 0);
  const configs = [...new Set(f.safety.rows.map((r) => r.config))];
  const policies = [...new Set(unsound.map((r) => r.policy))];
  const caught = policies.filter((p) => unsound.some((r) => r.policy === p && r.violations > 0));
  tail.push(
    `<p><strong>${soundViolations === 0 ? "In the model, yes." : "In the model, no."}</strong> An oracle tracks whose values every FP/SVE register file and saved buffer holds while random schedules run (leaf FP use, exits at every level, host preemption, kernel-mode NEON inside the nested windows, vcpu migration, vector-length changes). Over ${fig(
      formatCount(f.safety.steps * f.safety.seeds.length),
    )} steps in each of ${fig(String(configs.length))} configurations (${configs.map((c) => fig(c)).join("; ")}), mainline and the change lose or leak ${fig(formatCount(soundViolations))} states; ${
      caught.length === policies.length ? "all" : fig(String(caught.length)) + " of the"
    } ${fig(String(policies.length))} deliberately unsound variants are caught. Each count below is the violations found over all ${fig(String(configs.length))} configurations together: ${fig(
      formatCount(f.safety.steps * f.safety.seeds.length * configs.length),
    )} random steps (${f.safety.seeds.length === 1 ? "seed" : "seeds"} ${fig(f.safety.seeds.join(", "))}; ${fig(formatCount(f.safety.steps))} steps per seed and configuration); the FP/SVE safety section below states its own step counts and seeds, so its counts differ from these:</p>`,
  );
  tail.push(
    `<ul>${policies
      .map((p) => {
        const rows = unsound.filter((r) => r.policy === p);
        const n = rows.reduce((s, r) => s + r.violations, 0);
        const ex = rows.find((r) => r.counterexample !== "")?.counterexample ?? "";
        const steps = rows.reduce((s, r) => s + r.steps, 0);
        return `<li><code>${esc(p)}</code>: ${fig(formatCount(n))} violations in ${fig(formatCount(steps))} steps${ex ? `; shortest schedule found: <code>${fig(ex)}</code>` : ""}</li>`;
      })
      .join("")}</ul>`,
  );
  tail.push(`<h2 id="left-out">What the model leaves out</h2>`);
  const items = limitations((t) => `\u0001${t}\u0002`).map((m) => markdownToHtml(m).replace(/^<p>|<\/p>$/g, ""));
  tail.push(`<ul>${items.map((i) => `<li>${i.replace(/\u0001([^\u0002]*)\u0002/g, (_m, t: string) => fig(t))}</li>`).join("")}</ul>`);
  return { head: head.join("\n"), tail: tail.join("\n") };
}
