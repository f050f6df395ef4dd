import type { OptionSpec } from "./args";

/**
 * A progress callback: `done` of `total` units of the work named `what` (lib/cli/command.ts CommandIO.progress).
 * `provisional`: the total is only what is planned so far and may grow (explain's search plans work as it goes), so
 * the printer shows it as a lower bound: `DONE of at least TOTAL (at most PCT%) eta at least T`.
 */
export type Progress = (done: number, total: number, what: string, provisional?: boolean) => void;

/** --quiet: declared by every command that reports progress (so the fuzz suite draws it); runCli applies it. */
export const QUIET_OPTION: OptionSpec = { name: "quiet", kind: "bool", help: "no progress on stderr (errors are still printed)" };

/** When the printer first shows progress, and how often after that (docs/cli.md "General rules"). */
export const PROGRESS_TIMING = {
  /** nothing for work that ends sooner */
  firstMs: 500,
  /** a terminal's one line is redrawn at most this often */
  ttyEveryMs: 200,
  /** a log (stderr not a terminal) gets a line at most this often */
  lineEveryMs: 1000,
} as const;

export interface ProgressPrinter {
  readonly progress: Progress;
  /** before anything else is written on stderr: ends a terminal's progress line so the next text starts a line */
  readonly interrupt: () => void;
}

/**
 * The progress printer of the command line. On a terminal one line, `nestlab: WHAT DONE/TOTAL (PCT%) eta Ns`, redrawn
 * in place (carriage return, erase line) and ended with a newline when the work is done; otherwise plain lines, at
 * most one a second. Nothing is shown for work that ends within half a second. `now` and `write` are injectable for
 * tests.
 */
export function progressPrinter(opts: { tty: boolean; write: (t: string) => void; now?: () => number }): ProgressPrinter {
  const now = opts.now ?? Date.now;
  const started = now();
  let last = Number.NEGATIVE_INFINITY;
  let shown = false;
  /** a terminal line is drawn and not yet ended */
  let open = false;
  /** the work whose final line was the last shown (a second "done" for it is not repeated) */
  let ended: string | undefined;
  const every = opts.tty ? PROGRESS_TIMING.ttyEveryMs : PROGRESS_TIMING.lineEveryMs;
  const progress: Progress = (done, total, what, provisional = false) => {
    const t = now();
    const finished = done >= total;
    if (!finished && (t - started < PROGRESS_TIMING.firstMs || t - last < every)) return;
    if (finished && (!shown || ended === what)) return;
    ended = finished ? what : undefined;
    last = t;
    shown = true;
    const pct = total > 0 ? Math.floor((100 * Math.min(done, total)) / total) : 100;
    const elapsed = (t - started) / 1000;
    // a provisional total may grow: the count, the share and the ETA are bounds, and say so
    const bound = provisional && !finished;
    const eta = done > 0 && !finished ? ` eta ${bound ? "at least " : ""}${formatSeconds((elapsed * (total - done)) / done)}` : "";
    const count = bound ? `${done} of at least ${total} (at most ${pct}%)` : `${done}/${total} (${pct}%)`;
    const line = `nestlab: ${what} ${count}${eta}${finished ? ` done in ${formatSeconds(elapsed)}` : ""}`;
    if (opts.tty) {
      opts.write(`\r\x1b[K${line}${finished ? "\n" : ""}`);
      open = !finished;
    } else opts.write(line + "\n");
  };
  const interrupt = (): void => {
    if (open) opts.write("\n");
    open = false;
  };
  return { progress, interrupt };
}

/** 4.2s, 1m05s, 2h03m */
export function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.floor(s - 60 * m)).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

/**
 * One progress for work done in stages (compare: the baseline run, the patched run, the exit window, the sensitivity
 * band): stage i's `done/total` becomes the overall fraction, weighted, in thousandths, so the ETA covers the whole
 * command. `stage(i)` is undefined when there is no progress to report.
 */
export function staged(progress: Progress | undefined, what: string, weights: readonly number[]): (i: number, label: string) => Progress | undefined {
  if (!progress) return () => undefined;
  const sum = weights.reduce((s, w) => s + w, 0);
  return (i, label) => {
    const before = weights.slice(0, i).reduce((s, w) => s + w, 0);
    const w = weights[i] ?? 0;
    return (done, total) => {
      const f = total > 0 ? Math.min(1, done / total) : 1;
      const overall = Math.floor((1000 * (before + w * f)) / sum);
      // a stage's end is not the command's: only the last stage's end reports 1000/1000
      progress(i === weights.length - 1 || f < 1 ? overall : Math.min(overall, 999), 1000, `${what} (${label})`);
    };
  };
}
