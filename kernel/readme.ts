/**
 * The README's generated blocks: every figure the README quotes sits between
 *
 *   <!-- generated:NAME (npm run readme) -->
 *   ...
 *   <!-- /generated:NAME -->
 *
 * and is written here from the model (kernel/figures.ts) or from the command line's own output, never by hand.
 *
 *   npm run readme              refresh the blocks in README.md
 *   npm run readme -- --check   exit 1 naming the blocks that differ from what the model prints now
 *
 * `npm run report` refreshes them too, from the figures its summary shows. test/docs/readme.full.test.ts fails when
 * a block drifts.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PROFILE_NAMES, PROFILES } from "../lib/index";
import { claimReach, computeFigures, type Figures, safetyFacts } from "./figures";
import { formatCount, formatDuration, formatPercent } from "./format";
import { limitations } from "./limitations";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const ROOT = (require("./tslab.cjs") as { ROOT: string }).ROOT;
export const README_PATH = join(ROOT, "README.md");

/** The commands the README's tour shows, with their real output. */
export const TOUR = {
  "tour-micro": ["micro", "hvc", "--depth", "3", "--leaf-fp", "--patch", "none"],
  "tour-compare": ["compare", "--depth", "3", "--workload", "io-heavy"],
  "tour-run": ["run", "--depth", "3", "--workload", "debian-install"],
  "tour-check": ["check", "--depth", "2", "--sve-vl", "512", "--steps", "20000"],
  "tour-check-unsound": ["check", "--depth", "2", "--sve-vl", "512", "--steps", "20000", "--policy", "elide-always"],
} as const;

function cli(args: readonly string[]): string {
  try {
    return execFileSync(process.execPath, [join(ROOT, "lib", "cli", "bin.cjs"), ...args], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], maxBuffer: 64 << 20 });
  } catch (e) {
    // a command may end with a non-zero status on purpose (check finding violations: exit 1); keep its output
    const out = (e as { stdout?: string }).stdout;
    if (typeof out === "string" && out !== "") return out;
    throw new Error(`readme: \`nestlab ${args.join(" ")}\` failed: ${e instanceof Error ? e.message : String(e)}`);
  }
}

const fence = (cmd: readonly string[], out: string): string => `\`\`\`console\n$ npx nestlab ${cmd.join(" ")}\n${out.trimEnd()}\n\`\`\``;
const table = (head: readonly string[], rows: readonly (readonly string[])[], align?: readonly ("l" | "r")[]): string =>
  [`| ${head.join(" | ")} |`, `|${head.map((_h, i) => ((align?.[i] ?? "l") === "r" ? "---:" : "---")).join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
const range = (min: number, max: number | null): string => (max === null ? `at least ${formatPercent(min, 0)}` : `${formatPercent(min, 0)} to ${formatPercent(max, 0)}`);

/** Every block's content, from the figures and the command line. */
export function readmeBlocks(f: Figures): Map<string, string> {
  const b = new Map<string, string>();
  b.set(
    "claims",
    `The posting claims that the change saves ${f.claims.map((c, i) => `${range(c.claim.min, c.claim.max)}${i === 0 ? " of the wall-clock time" : ""} for ${c.claim.text}`).join(", and ")}.`,
  );
  const below = f.claims.filter((c) => c.verdict === "below").length;
  const safe = safetyFacts(f);
  const lead =
    below === f.claims.length
      ? "**No: the model does not reproduce the claimed speedups. It finds the change safe.**"
      : below === 0
        ? "**Yes: the model reproduces the claimed speedups. It finds the change safe.**"
        : "**Partly: the model reproduces some of the claimed speedups. It finds the change safe.**";
  const reach = f.claims.map((c) => {
    const r = claimReach(f, c.claim);
    return r === null
      ? `${c.claim.workload} does not reach ${formatPercent(c.claim.min, 0)} at depth 1 to 4 with any vector length (${[...new Set(f.sveTable.filter((r) => r.workload === c.claim.workload).map((r) => r.sveVl))].join(", ")} bits)`
      : `${c.claim.workload} reaches ${formatPercent(c.claim.min, 0)} first at depth ${r.depth} with ${r.sveVl === 0 ? "FPSIMD" : `SVE (vector length ${r.sveVl} bits)`}: ${formatPercent(r.wallReduction)}`;
  });
  b.set(
    "answer",
    [
      safe.soundViolations === 0 ? lead : lead.replace("It finds the change safe.", "It finds the change unsafe."),
      "",
      table(
        ["the posting's claim", "claimed", "model: wall-clock time saved", `95% CI over ${f.run.seeds.length} seeds`, `unit-cost sensitivity band (${f.run.bandCases} cases)`],
        f.claims.flatMap((c) => [
          [
            `${c.claim.text}${c.asWritten ? ", read as every level patched, L0 included" : ""}`,
            range(c.claim.min, c.claim.max),
            formatPercent(c.model.mean),
            `${formatPercent(c.model.mean - c.model.ci95)} to ${formatPercent(c.model.mean + c.model.ci95)}`,
            `${formatPercent(c.band.min)} to ${formatPercent(c.band.max)}`,
          ],
          ...(c.asWritten && c.claim.asWritten
            ? [[`the same, ${c.claim.asWritten.text}`, range(c.claim.min, c.claim.max), formatPercent(c.asWritten.mean), `${formatPercent(c.asWritten.mean - c.asWritten.ci95)} to ${formatPercent(c.asWritten.mean + c.asWritten.ci95)}`, "-"]]
            : []),
        ]),
        ["l", "l", "r", "l", "l"],
      ),
      "",
      `- Each figure: ${formatCount(f.run.durationMs)} ms of the workload's leaf work at depth ${f.claims[0]!.claim.depth}, FPSIMD only, run with and without the patch on the same event stream at ${f.run.clockGhz} GHz. The headline rows patch every level, L0 included. The posting does not say which levels ran the change; its author measured on their own platform, whose host most likely ran the kernel under test, so the model reads the claims as L0 patched too: an inference, argued in [docs/explain.md](docs/explain.md#claims-seeds-and-adoption). The row below patches only the levels the second claim names. The band halves and doubles every unit cost without a published source, one at a time and all together, and changes the clock; its highest value is ${formatPercent(Math.max(...f.claims.map((c) => c.band.max)))}, so the gap is not a matter of unit costs.`,
      `- Where the model does reach the claimed range: ${reach.join("; ")}.`,
      `- Safe in the model: over ${formatCount(safe.stepsPerConfig)} random steps in each of ${safe.configs.length} configurations (${safe.configs.join("; ")}), mainline and the change lose or leak ${formatCount(safe.soundViolations)} FP/SVE states, and the oracle catches ${safe.unsound.filter((u) => u.violations > 0).length} of the ${safe.unsound.length} deliberately unsound variants (violations over the ${safe.configs.length} configurations together, ${formatCount(safe.stepsPerConfig * safe.configs.length)} random steps: ${safe.unsound.map((u) => `\`${u.policy}\`: ${formatCount(u.violations)}`).join(", ")}).`,
    ].join("\n"),
  );

  // why the gap: one leaf event taken apart, and what bounds any FP elision
  const x = f.exit;
  const top = x.components.slice(0, 4);
  b.set(
    "gap",
    [
      `In the model one io-heavy leaf event at depth ${x.depth} (one exit of the leaf's stream with the FP traps it causes, the mean over ${formatCount(x.leafEvents)} of them) costs ${formatCount(x.baseline.cycles)} cycles and ${x.baseline.l0Traps.toFixed(1)} L0 traps before the change and ${formatCount(x.patched.cycles)} cycles after it (${formatPercent(1 - x.patched.cycles / x.baseline.cycles)} less). ${x.fpShare < 0.5 ? "Most of an exit is not FP work: the guest hypervisors' vcpu put and load and their trapped system-register accesses are." : "Most of an exit is FP work."} The largest parts, by the code that raised the traps:`,
      "",
      table(
        ["part of one leaf event", "cycles before", "cycles after"],
        top.map((c) => [c.component, formatCount(c.baseline), formatCount(c.patched)]),
        ["l", "r", "r"],
      ),
      "",
      `FP work (saves, restores, ZCR writes and FP traps with all their nested handling) is ${formatPercent(x.fpShare)} of the unpatched run's cycles: that bounds what any FP elision can save at this depth. For the claimed figures to hold, FP work would have to be a much larger share of a nested exit than the kernel's code paths make it; [docs/explain.md](docs/explain.md) (\`nestlab explain\`) searches which inputs, alone or in pairs, would have to change for the claims to be reached, and what each would imply about the machine.`,
    ].join("\n"),
  );

  const outputs = new Map<string, string>();
  for (const [name, args] of Object.entries(TOUR)) {
    const out = cli(args);
    outputs.set(name, out);
    b.set(name, fence(args, out));
  }

  // how to read a run: its overhead, from the same command's JSON
  const run = JSON.parse(cli([...TOUR["tour-run"], "--json"])) as { cycles: number | string; usefulCycles: number | string; seconds: number };
  const cycles = Number(run.cycles);
  const useful = Number(run.usefulCycles);
  b.set(
    "reading-overhead",
    `In the \`run\` output above, \`overhead x${(cycles / useful).toFixed(3)}\` is ${formatCount(cycles)} cycles ÷ ${formatCount(useful)} useful cycles: the nested stack made the same leaf work take ${(cycles / useful).toFixed(3)} times as long as it would natively (${formatPercent(1 - useful / cycles, 1)} of the time went to exits, traps and their handling).`,
  );

  const amp = (depth: number, nv2: boolean) => f.amplification.find((a) => a.depth === depth && a.nv2 === nv2)!;
  b.set(
    "amplification",
    table(
      ["depth", "L0 traps per leaf HVC, NV2", "time per HVC, NV2", "L0 traps per leaf HVC, no NV2", "time per HVC, no NV2"],
      [...new Set(f.amplification.map((a) => a.depth))].map((d) => {
        const on = amp(d, true);
        const off = amp(d, false);
        const t = (cyc: number): string => formatDuration(cyc / (f.run.clockGhz * 1e9));
        return [String(d), formatCount(on.l0Traps), t(on.cycles), formatCount(off.l0Traps), t(off.cycles)];
      }),
      ["r", "r", "r", "r", "r"],
    ),
  );

  b.set(
    "livelock",
    `In the model an I/O-heavy leaf with the default ticks makes no progress from depth ${f.livelockDepth.nv2 ?? "(none up to 8)"} with NV2 and from depth ${f.livelockDepth.noNv2 ?? "(none up to 8)"} without.`,
  );

  const depths = [...new Set(f.sveTable.map((r) => r.depth))];
  const tableRows: string[][] = [];
  for (const workload of [...new Set(f.sveTable.map((r) => r.workload))]) {
    for (const sveVl of [...new Set(f.sveTable.filter((r) => r.workload === workload).map((r) => r.sveVl))]) {
      tableRows.push([
        workload,
        sveVl === 0 ? "FPSIMD" : `SVE ${sveVl}`,
        ...depths.map((d) => {
          const v = f.sveTable.find((r) => r.workload === workload && r.sveVl === sveVl && r.depth === d)?.wallReduction;
          return v === null || v === undefined ? "livelock" : formatPercent(v);
        }),
      ]);
    }
  }
  b.set("compare-table", table(["workload", "vector length", ...depths.map((d) => `depth ${d}`)], tableRows, ["l", "l", ...depths.map(() => "r" as const)]));

  b.set(
    "adoption",
    [3, 4]
      .map((d) => `- depth ${d}: ${f.adoption.filter((a) => a.depth === d).map((a) => `${a.levels === "all" ? "every level" : a.levels} ${formatPercent(a.wallReduction)}`).join(", ")}`)
      .join("\n"),
  );

  b.set(
    "calibration",
    table(
      ["operation (depth 1)", "model cycles", "Ampere Altra", "gap"],
      f.calibration.map((c) => [`\`${c.op}\``, formatCount(c.cycles), `${formatCount(c.altraNs)} ns = ${formatCount(c.altraCycles)} cycles at ${f.run.clockGhz} GHz`, `${c.gap >= 0 ? "+" : ""}${formatPercent(c.gap, 1)}`]),
      ["l", "r", "l", "r"],
    ),
  );

  b.set(
    "profiles",
    table(
      ["profile", "what it stands for", "I/O exits/s", "to the VMM", "IPIs/s", "stage-2 faults/s", "WFI/s", "FP use per slice", "leaf tick (Hz)"],
      PROFILE_NAMES.map((n) => {
        const p = PROFILES[n]!;
        return [p.name, p.description, formatCount(p.ioRate), formatPercent(p.ioUserFraction, 0), formatCount(p.ipiRate), formatCount(p.s2FaultRate), formatCount(p.wfiRate), String(p.fpUse), formatCount(p.timerHz)];
      }),
      ["l", "l", "r", "r", "r", "r", "r", "r", "r"],
    ),
  );

  b.set("limitations", limitations().map((l) => `- ${l}`).join("\n"));
  return b;
}

const BLOCK = /<!-- generated:([a-z0-9-]+) \(npm run readme\) -->\n([\s\S]*?)<!-- \/generated:\1 -->/g;

/** The blocks a README text holds, by name. */
export function blocksIn(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const x of text.matchAll(BLOCK)) m.set(x[1]!, x[2]!.replace(/\n$/, ""));
  return m;
}

/** The README text with every block replaced; `changed` names the blocks whose content moved. */
export function fillBlocks(text: string, blocks: ReadonlyMap<string, string>): { text: string; changed: string[]; unknown: string[]; missing: string[] } {
  const changed: string[] = [];
  const unknown: string[] = [];
  const seen = new Set<string>();
  const out = text.replace(BLOCK, (all, name: string, body: string) => {
    seen.add(name);
    const content = blocks.get(name);
    if (content === undefined) {
      unknown.push(name);
      return all;
    }
    if (body.replace(/\n$/, "") !== content) changed.push(name);
    return `<!-- generated:${name} (npm run readme) -->\n${content}\n<!-- /generated:${name} -->`;
  });
  return { text: out, changed, unknown, missing: [...blocks.keys()].filter((k) => !seen.has(k)) };
}

export interface RefreshResult {
  readonly changed: readonly string[];
  readonly missing: readonly string[];
  readonly unknown: readonly string[];
}

/** Rewrites README.md's blocks (atomically), or with `check` only says which differ. */
export function refreshReadme(o: { figures?: Figures; check?: boolean; path?: string; log?: (l: string) => void } = {}): RefreshResult {
  const path = o.path ?? README_PATH;
  const figures = o.figures ?? computeFigures({ log: o.log });
  const r = fillBlocks(readFileSync(path, "utf8"), readmeBlocks(figures));
  if (!o.check && r.changed.length > 0) {
    writeFileSync(`${path}.tmp-${process.pid}`, r.text);
    renameSync(`${path}.tmp-${process.pid}`, path);
  }
  return { changed: r.changed, missing: r.missing, unknown: r.unknown };
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const bad = args.find((a) => a !== "--check");
  if (bad !== undefined) {
    process.stderr.write(`readme: unknown argument '${bad}'; usage: npm run readme [-- --check]\n`);
    process.exit(2);
  }
  const check = args.includes("--check");
  const r = refreshReadme({ check, log: (l) => process.stderr.write(`readme: ${l}\n`) });
  if (r.missing.length > 0 || r.unknown.length > 0) {
    process.stderr.write(`readme: README.md lacks blocks ${r.missing.join(", ") || "-"}; unknown blocks ${r.unknown.join(", ") || "-"}\n`);
    process.exit(1);
  }
  if (check && r.changed.length > 0) {
    process.stderr.write(`readme: README.md's generated blocks differ from what the model prints now: ${r.changed.join(", ")}; run npm run readme\n`);
    process.exit(1);
  }
  process.stderr.write(`readme: ${r.changed.length === 0 ? "README.md is up to date" : `${check ? "would refresh" : "refreshed"} ${r.changed.join(", ")}`}\n`);
}
