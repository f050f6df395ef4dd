/**
 * `npm run figures`: the figure gate of a refactor. Runs a fixed set of CLI invocations in-process and prints one
 * JSON manifest: a sha256 of every output (and one over all of them), so that two commits can be compared byte for
 * byte without keeping the outputs.
 *
 *   npm run figures                         # this checkout
 *   npm run figures -- --root DIR           # another checkout (e.g. a git worktree of the base commit, with
 *                                           #   node_modules linked in); it is driven through its own lib/cli/main.ts
 *   npm run figures -- --against FILE       # compare with a manifest written earlier: lists what moved, exit 1 if any
 *   npm run figures -- --keep DIR           # also write every output to DIR (to diff what moved)
 *
 * The set: `micro` (every op, depth 1-4, NV2 on/off, patch none/all, with and without --leaf-fp), `compare` (the four
 * profiles, depth 1-4, SVE 0/512/2048), `compare --phys-offset` and `--el2-vtimer` points, and the results.json of
 * three sweeps: the bench:sweep grid, an nVHE/EL2-vtimer/ECV grid and an SVE grid (their figures: spec, skipped
 * combinations, columns and rows, without the fingerprint, model identity and checksums, which follow the sources).
 */
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

interface CommandIO {
  out(text: string): void;
  err(text: string): void;
}
type RunCli = (argv: readonly string[], io: CommandIO) => Promise<number>;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const MICRO_OPS = ["hvc", "mmio-kernel", "mmio-user", "timer", "ipi"];
const PROFILES = ["io-heavy", "debian-install", "compute", "idle"];

/** name -> argv; sweeps write into a directory and are hashed by their results.json */
function invocations(): [string, string[]][] {
  const out: [string, string[]][] = [];
  for (const op of MICRO_OPS) {
    for (let d = 1; d <= 4; d++) {
      for (const nv2 of ["--nv2", "--no-nv2"]) {
        for (const patch of ["none", "all"]) {
          for (const fp of [false, true]) {
            const argv = ["micro", op, "--depth", String(d), nv2, "--patch", patch, "--json", ...(fp ? ["--leaf-fp"] : [])];
            out.push([`micro ${op} d${d} ${nv2} patch=${patch}${fp ? " leaf-fp" : ""}`, argv]);
          }
        }
      }
    }
  }
  for (const w of PROFILES) {
    for (let d = 1; d <= 4; d++) {
      for (const sve of [0, 512, 2048]) {
        out.push([`compare ${w} d${d} sve=${sve}`, ["compare", "--workload", w, "--depth", String(d), "--sve-vl", String(sve), "--json"]]);
      }
    }
  }
  for (const d of [2, 3]) {
    for (const nv2 of ["--nv2", "--no-nv2"]) {
      out.push([`compare io-heavy d${d} ${nv2} phys-offset`, ["compare", "--depth", String(d), nv2, "--phys-offset", "--json"]]);
      out.push([`compare io-heavy d${d} ${nv2} phys-offset no-ecv`, ["compare", "--depth", String(d), nv2, "--phys-offset", "--no-ecv", "--json"]]);
      out.push([`compare io-heavy d${d} ${nv2} el2-vtimer`, ["compare", "--depth", String(d), nv2, "--el2-vtimer", "--json"]]);
    }
  }
  out.push(["compare io-heavy d2 nvhe", ["compare", "--depth", "2", "--guest-hyp", "nvhe", "--json"]]);
  out.push(["compare io-heavy d2 nvhe no-nv2", ["compare", "--depth", "2", "--guest-hyp", "nvhe", "--no-nv2", "--json"]]);
  // traces and summaries (the exact engine with tracepoints on)
  const t = ["--depth", "2", "--duration-ms", "2"];
  out.push(["trace d2 text", ["trace", ...t, "--format", "text"]]);
  out.push(["trace d2 chrome", ["trace", ...t]]);
  out.push(["trace d2 no-nv2 sve=512 preempt neon text", ["trace", "--depth", "2", "--no-nv2", "--sve-vl", "512", "--duration-ms", "1", "--host-preempt-rate", "3000", "--host-neon-rate", "3000", "--format", "text"]]);
  out.push(["trace d2 nvhe text", ["trace", "--depth", "2", "--guest-hyp", "nvhe", "--duration-ms", "1", "--format", "text"]]);
  out.push(["trace d3 patch=none compute text", ["trace", "--depth", "3", "--patch", "none", "--workload", "compute", "--duration-ms", "0.5", "--format", "text"]]);
  out.push(["stat d2", ["stat", "--depth", "2", "--json"]]);
  out.push(["stat d3 no-nv2", ["stat", "--depth", "3", "--no-nv2", "--duration-ms", "2", "--json"]]);
  // the FP/SVE oracle's verdicts and counterexamples
  for (const policy of ["baseline", "nv-fp-elision", "elide-always", "elide-save-only", "no-zcr-reset"]) {
    out.push([`check ${policy} d3 sve=512`, ["check", "--policy", policy, "--depth", "3", "--sve-vl", "512", "--steps", "3000", "--json"]]);
  }
  out.push(["check nv-fp-elision d2 exact exhaustive", ["check", "--depth", "2", "--engine", "exact", "--exhaustive", "--max-len", "2", "--json"]]);
  return out;
}

const SWEEPS: [string, string[]][] = [
  [
    "sweep bench:sweep grid",
    ["sweep", "--depth", "1,2,3,4", "--sve-vl", "0,128,512,2048", "--io-rate", "0,1000,5000,20000,50000", "--patch", "none,all", "--nv2", "on,off", "--seeds", "3"],
  ],
  [
    "sweep nvhe/el2-vtimer/ecv grid",
    ["sweep", "--depth", "2,3", "--guest-hyp", "vhe,nvhe", "--el2-vtimer", "on,off", "--ecv", "on,off", "--nv2", "on,off", "--patch", "none,all", "--seeds", "2"],
  ],
  ["sweep sve grid", ["sweep", "--workload", "io-heavy,compute", "--depth", "1,2,3", "--sve-vl", "0,128,256,512,1024,2048", "--patch", "none,all,0"]],
];

const sha = (s: string | Buffer): string => createHash("sha256").update(s).digest("hex");

/**
 * The figures of a sweep's results.json: its spec, runs, skipped combinations, columns and rows, one per line. The
 * fingerprint, the model's identity and the row checksums are left out: they name the model's sources, which every
 * refactor changes, while the gate asks whether the figures moved. (Any results.json format has these five fields.)
 */
function figuresOf(resultsJson: string): string {
  const d = JSON.parse(resultsJson) as Record<string, unknown>;
  const lines = (["spec", "runs", "skipped", "columns", "rows"] as const).map((k) => {
    const v = d[k];
    return Array.isArray(v) ? `${k}:\n${v.map((x) => JSON.stringify(x)).join("\n")}` : `${k}: ${JSON.stringify(v)}`;
  });
  return lines.join("\n") + "\n";
}

async function main(): Promise<void> {
  const root = resolve(arg("root") ?? ".");
  const keep = arg("keep");
  const against = arg("against");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { runCli } = require(join(root, "lib/cli/main.ts")) as { runCli: RunCli };
  const hashes: Record<string, string> = {};
  const outputs: Record<string, string> = {};
  const run = async (name: string, argv: string[]): Promise<string> => {
    let out = "";
    let err = "";
    const code = await runCli(argv, { out: (t) => void (out += t), err: (t) => void (err += t) });
    // check exits 3 when it finds a violation (the unsound policies do: that is their figure)
    if (code !== 0 && !(code === 3 && argv[0] === "check")) throw new Error(`${name}: exit ${code}: ${err}`);
    return out;
  };
  const all = invocations();
  let n = 0;
  for (const [name, argv] of all) {
    const out = await run(name, argv);
    hashes[name] = sha(out);
    outputs[name] = out;
    if (++n % 40 === 0) process.stderr.write(`figures: ${n}/${all.length + SWEEPS.length}\n`);
  }
  const tmp = mkdtempSync(join(tmpdir(), "nestlab-figures-"));
  try {
    for (const [name, argv] of SWEEPS) {
      const dir = join(tmp, String(n));
      await run(name, [...argv, "--out", dir, "--workers", "2"]);
      const json = figuresOf(readFileSync(join(dir, "results.json"), "utf8"));
      hashes[name] = sha(json);
      outputs[name] = json;
      process.stderr.write(`figures: ${++n}/${all.length + SWEEPS.length}\n`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const names = Object.keys(hashes);
  const manifest = { root, outputs: names.length, all: sha(names.map((k) => `${k}\t${hashes[k]}`).join("\n")), hashes };
  if (keep) {
    mkdirSync(keep, { recursive: true });
    names.forEach((k, i) => writeFileSync(join(keep, `${String(i).padStart(3, "0")} ${k.replace(/[/ ]+/g, "_")}.txt`), outputs[k]!));
  }
  if (against) {
    const base = JSON.parse(readFileSync(against, "utf8")) as { hashes: Record<string, string> };
    const moved = names.filter((k) => base.hashes[k] !== hashes[k]);
    process.stdout.write(JSON.stringify({ ...manifest, hashes: undefined, against, moved }, null, 2) + "\n");
    if (moved.length > 0) process.exitCode = 1;
    return;
  }
  process.stdout.write(JSON.stringify(manifest, null, 2) + "\n");
}

main().catch((e: unknown) => {
  process.stderr.write(`figures: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
