import { availableParallelism, totalmem } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import type { Costs } from "../costs/table";
import type { WorkloadProfile } from "../workload/profiles";
import { type RunParams, runPoint } from "./point";
import type { SweepRow } from "./rows";

/**
 * A pool of worker threads running sweep runs. Rows come back in completion order; callers key them by run index,
 * so the results do not depend on the number of workers. `workers: 0` runs in this thread (for debugging).
 */
export interface PoolTask {
  readonly run: number;
  readonly point: number;
  readonly replicate: number;
  readonly params: RunParams;
}

export interface PoolInit {
  readonly columns: readonly string[];
  readonly base: Costs;
  /** workload profiles read from files, by file name (from the sweep's spec) */
  readonly profiles: { readonly [file: string]: WorkloadProfile };
  /** the build the pool's own code comes from (undefined: the sources); a worker from another build refuses */
  readonly build?: string;
}

export type PoolReply = { ok: true; run: number; row: SweepRow } | { ok: false; run: number; error: string };

/**
 * The worker entry, beside this module's code (resolved from __dirname: code that tslab compiles has no import.meta):
 * from the sources, lib/sweep/worker.cjs (which loads worker.ts through tsx); from the build, dist/worker.cjs, the
 * bundle of the same build.
 */
export const WORKER_ENTRY = join(__dirname, "worker.cjs");

/** the build this code was bundled in (a constant in the build; undefined from the sources) */
export const BUILD_HASH: string | undefined = process.env.NESTLAB_BUILD_HASH;

export function defaultWorkers(): number {
  return availableParallelism();
}

/** What one worker thread may take: its heap, the engine's memo tables and the model's caches (measured: docs/runs.md). */
export const WORKER_MEMORY_MIB = 64;

/**
 * The most worker threads a sweep may start here: two per core (more only queue for the CPU while taking memory), and
 * no more than fit in half the memory (the machine's, or the process's cgroup limit when lower) at WORKER_MEMORY_MIB
 * each; at least 1. `--workers` above it is refused with this explanation.
 */
export function workerLimit(): { readonly max: number; readonly why: string } {
  const cores = availableParallelism();
  const constrained = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.() ?? 0;
  const memory = constrained > 0 ? Math.min(constrained, totalmem()) : totalmem();
  const byMemory = Math.floor(memory / 2 / (WORKER_MEMORY_MIB * 1024 * 1024));
  const max = Math.max(1, Math.min(2 * cores, byMemory));
  const gib = (memory / 2 ** 30).toFixed(1);
  return {
    max,
    why: `0 runs in the main thread; at most two per core (${cores} here) and one per ${WORKER_MEMORY_MIB} MiB of half the memory (${gib} GiB here)`,
  };
}

const LIMIT = workerLimit();
/** --workers: an integer 0..workerLimit().max */
export const WORKERS = { type: "integer", min: 0, max: LIMIT.max, note: LIMIT.why } as const;

export async function runPool(
  tasks: readonly PoolTask[],
  init: PoolInit,
  workers: number,
  onRow: (row: SweepRow, run: number) => void,
): Promise<void> {
  if (tasks.length === 0) return;
  if (workers <= 0) {
    const profiles = new Map(Object.entries(init.profiles));
    for (const t of tasks) {
      onRow(runPoint(t, init.columns, init.base, profiles), t.run);
      await new Promise<void>((r) => setImmediate(r)); // let progress and signals through
    }
    return;
  }
  const n = Math.min(workers, tasks.length);
  let next = 0;
  let done = 0;
  const pool: Worker[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      let failed = false;
      const fail = (e: Error): void => {
        if (failed) return;
        failed = true;
        reject(e);
      };
      const feed = (w: Worker): void => {
        const t = tasks[next++];
        if (t) w.postMessage(t);
      };
      for (let i = 0; i < n; i++) {
        const w = new Worker(WORKER_ENTRY, { workerData: init });
        pool.push(w);
        w.on("message", (m: PoolReply) => {
          if (failed) return;
          if (m.ok === false) return fail(new Error(`sweep run ${m.run} failed in a worker: ${m.error}`));
          try {
            onRow(m.row, m.run);
          } catch (e) {
            return fail(e instanceof Error ? e : new Error(String(e)));
          }
          if (++done === tasks.length) resolve();
          else feed(w);
        });
        w.on("error", (e) => fail(e));
        w.on("exit", (code) => {
          if (done < tasks.length) fail(new Error(`a sweep worker exited (code ${code}) before the sweep ended`));
        });
        feed(w);
      }
    });
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
}
