/**
 * Benchmark of the sweep engine on the default target: 960 one-second fixed-work runs (depth 1-4 x SVE VL
 * {0,128,512,2048} x I/O rate {0,1k,5k,20k,50k} x patch {none,all} x NV2 {on,off} x 3 seeds) on 2 worker threads.
 * Prints one JSON object. `npm run bench:sweep -- --workers N --duration-ms MS --depths 1,2,3 --nv2 on,off` varies the set-up.
 */
import { planSweep } from "../lib/sweep/grid";
import { runSweep } from "../lib/sweep/sweep";

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : def;
  if (!Number.isFinite(v)) throw new Error(`--${name}: a number`);
  return v;
}

function list(name: string, def: readonly (number | boolean)[]): (number | boolean)[] {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return [...def];
  return (process.argv[i + 1] ?? "").split(",").map((s) => (s === "on" ? true : s === "off" ? false : Number(s)));
}

async function main(): Promise<void> {
  const workers = arg("workers", 2);
  const durationMs = arg("duration-ms", 1000);
  const plan = planSweep({
    axes: {
      depth: list("depths", [1, 2, 3, 4]),
      "sve-vl": [0, 128, 512, 2048],
      "io-rate": [0, 1000, 5000, 20000, 50000],
      patch: ["none", "all"],
      nv2: list("nv2", [true, false]),
      "duration-ms": durationMs,
    },
    seeds: 3,
  });
  const started = process.hrtime.bigint();
  let lastPrint = 0;
  const doc = await runSweep(plan, {
    workers,
    onProgress: (p) => {
      if (p.elapsedMs - lastPrint < 5000 && p.done < p.total) return;
      lastPrint = p.elapsedMs;
      process.stderr.write(`bench:sweep ${p.done}/${p.total} eta ${p.etaMs === undefined ? "?" : (p.etaMs / 1000).toFixed(0)}s\n`);
    },
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const simulated = doc.rows.reduce((s, r) => s + (typeof r.seconds === "number" ? r.seconds : 0), 0);
  process.stdout.write(
    JSON.stringify({
      bench: "sweep",
      runs: doc.rows.length,
      workers,
      durationMs,
      depths: list("depths", [1, 2, 3, 4]),
      nv2: list("nv2", [true, false]),
      wallSeconds: Number(seconds.toFixed(2)),
      runsPerSecond: Number((doc.rows.length / seconds).toFixed(2)),
      simulatedSeconds: Number(simulated.toFixed(1)),
      errors: doc.rows.filter((r) => r.error !== null).length,
      targetSeconds: 60,
      fingerprint: doc.fingerprint,
    }) + "\n",
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:sweep: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
