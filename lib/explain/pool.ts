import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { type Evaluation, evaluateConfig, limitOf, type PlainRunOptions } from "./evaluate";

/**
 * Evaluates explain's configurations on worker threads (or in this thread with 0 workers). Each evaluation is a pure
 * function of its configuration, so the results, and the search built on them, do not depend on the worker count.
 */
export interface PoolTask {
  readonly id: number;
  readonly options: PlainRunOptions;
}

export type PoolReply =
  | { readonly id: number; readonly ok: true; readonly evaluation: Evaluation }
  | { readonly id: number; readonly ok: false; readonly limit?: string; readonly error?: string };

/** an evaluation, or why the configuration could not run (a livelock, an engine limit) */
export type Outcome = { readonly ok: true; readonly evaluation: Evaluation } | { readonly ok: false; readonly limit: string };

/** the worker entry beside this code (lib/explain/worker.cjs from the sources, dist/explain-worker.cjs in the build) */
export const EXPLAIN_WORKER_ENTRY = join(__dirname, process.env.NESTLAB_BUILD_HASH !== undefined ? "explain-worker.cjs" : "worker.cjs");

export class EvalPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: PoolTask[] = [];
  private readonly waiting = new Map<number, { resolve: (o: Outcome) => void; reject: (e: Error) => void }>();
  private next = 0;
  private failed: Error | undefined;

  constructor(readonly size: number) {
    for (let i = 0; i < size; i++) {
      const w = new Worker(EXPLAIN_WORKER_ENTRY);
      w.on("message", (r: PoolReply) => this.reply(w, r));
      w.on("error", (e) => this.fail(e));
      this.workers.push(w);
      this.idle.push(w);
    }
  }

  evaluate(options: PlainRunOptions): Promise<Outcome> {
    if (this.size === 0) {
      try {
        return Promise.resolve({ ok: true, evaluation: evaluateConfig(options) });
      } catch (e) {
        const limit = limitOf(e);
        if (limit !== undefined) return Promise.resolve({ ok: false, limit });
        return Promise.reject(e);
      }
    }
    if (this.failed) return Promise.reject(this.failed);
    const id = this.next++;
    return new Promise<Outcome>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.queue.push({ id, options });
      this.pump();
    });
  }

  private pump(): void {
    while (this.idle.length > 0 && this.queue.length > 0) this.idle.pop()!.postMessage(this.queue.shift()!);
  }

  private reply(w: Worker, r: PoolReply): void {
    const p = this.waiting.get(r.id);
    this.waiting.delete(r.id);
    this.idle.push(w);
    this.pump();
    if (!p) return;
    if (r.ok) p.resolve({ ok: true, evaluation: r.evaluation });
    else if (r.limit !== undefined) p.resolve({ ok: false, limit: r.limit });
    else p.reject(new Error(`explain worker failed: ${r.error ?? "unknown"}`));
  }

  private fail(e: Error): void {
    this.failed = e;
    for (const p of this.waiting.values()) p.reject(e);
    this.waiting.clear();
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
