/**
 * What an option, a positional argument or a sweep axis accepts, declared once: the command line parses with it, help
 * and errors print it, and the command-line fuzz suite (test/fuzz) generates valid and hostile values from it.
 *
 * Numbers have one grammar everywhere, on the command line, in grid lists and in grid files' strings: exactly JSON's
 * (`-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`), so `1e3`, `0.5` and `-0` (which is 0) are numbers and `.5`, `5.`,
 * `+1`, `0x10`, `0b11`, `0o7`, `Infinity`, `NaN` and any whitespace are not. A value beyond the double range (`1e309`)
 * or one that would round to zero (`1e-400`) is refused, never read as Infinity or 0. Integers are meant where the
 * spec says `integer`: the value must be a whole number (`1e3` is 1000; `1.5` is refused).
 */
export const JSON_NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;

/** A word in JSON's number grammar as a finite number (-0 as 0); undefined when it is not one. */
export function parseJsonNumber(word: string): number | undefined {
  if (!JSON_NUMBER.test(word)) return undefined;
  const v = Number(word);
  if (!Number.isFinite(v)) return undefined; // beyond the double range
  const mantissa = word.split(/[eE]/)[0]!;
  if (v === 0 && /[1-9]/.test(mantissa)) return undefined; // a non-zero number too small for a double
  return v === 0 ? 0 : v;
}

export interface NumberSpec {
  readonly type: "integer" | "number";
  readonly min: number;
  readonly max: number;
  /** the minimum itself is excluded: a number > min */
  readonly minExclusive?: boolean;
  /** shown after the range, e.g. "Hz" or why the bound is what it is */
  readonly note?: string;
}

/**
 * Every kind of value the command line takes. `syntax` values have a grammar of their own, checked by the command
 * (`--patch 0,1`, `--events kvm:*`, `--shard 1/4`); `examples` are valid ones (for help and for the fuzz suite).
 */
export type ValueSpec =
  | NumberSpec
  | { readonly type: "enum"; readonly values: readonly string[] }
  | { readonly type: "syntax"; readonly accepted: string; readonly examples: readonly string[] }
  /** a JSON input file; `content` says which (the fuzz suite writes valid and broken ones of each) */
  | { readonly type: "file"; readonly what: string; readonly content: InputContent }
  /** a name from `values`, or a JSON input file */
  | { readonly type: "name-or-file"; readonly values: readonly string[]; readonly what: string; readonly content: InputContent }
  /** a file to write (a regular file replaced atomically, or a character device or FIFO written straight into) */
  | { readonly type: "output-file" }
  /** a directory to write results into */
  | { readonly type: "output-dir" }
  /** the output directory of a sweep (read) */
  | { readonly type: "results-dir" }
  /** a comma list of items */
  | { readonly type: "list"; readonly item: ValueSpec };

/** what an input file holds: JSON (costs, grid, workload, a kernel change) or a machine's L0 recording as text (trace) */
export type InputContent = "costs" | "grid" | "workload" | "trace" | "change";

/** Big round bounds read better as powers of ten. */
export function formatBound(n: number): string {
  if (Math.abs(n) >= 1e9) {
    const e = Math.log10(Math.abs(n));
    if (Number.isInteger(e)) return `${n < 0 ? "-" : ""}1e${e}`;
  }
  return String(n);
}

/** "an integer 1..8", "a number > 0 and <= 10", "numbers 0..1000000 (Hz)" */
export function describeNumber(s: NumberSpec, plural = false): string {
  const what = s.type === "integer" ? (plural ? "integers" : "an integer") : plural ? "numbers" : "a number";
  const range = s.minExclusive ? `> ${formatBound(s.min)} and <= ${formatBound(s.max)}` : `${formatBound(s.min)}..${formatBound(s.max)}`;
  return `${what} ${range}${s.note ? ` (${s.note})` : ""}`;
}

/** What a value spec accepts, as errors and help print it. */
export function describeValue(v: ValueSpec, plural = false): string {
  switch (v.type) {
    case "integer":
    case "number":
      return describeNumber(v, plural);
    case "enum":
      return v.values.join(", ");
    case "syntax":
      return v.accepted;
    case "file":
      return v.content === "trace" ? `a file: ${v.what}` : `a JSON file: ${v.what}`;
    case "name-or-file":
      return `${v.values.join(", ")}, or a JSON file: ${v.what}`;
    case "output-file":
      return "a file path (a regular file is replaced when complete; a character device or FIFO is written into)";
    case "output-dir":
      return "a directory";
    case "results-dir":
      return "a sweep output directory";
    case "list":
      return `a comma list of ${describeValue(v.item, true)}`;
  }
}

/** A number given as a word (command line, grid strings) or a JSON number, checked against its spec. */
export function numberFrom(v: unknown, s: NumberSpec): number | undefined {
  const n = typeof v === "string" ? parseJsonNumber(v) : typeof v === "number" && Number.isFinite(v) ? (v === 0 ? 0 : v) : undefined;
  if (n === undefined) return undefined;
  if (s.type === "integer" && !Number.isInteger(n)) return undefined;
  if (s.minExclusive ? !(n > s.min) : !(n >= s.min)) return undefined;
  if (!(n <= s.max)) return undefined;
  return n;
}

/** Looks a word up among names without ever reaching Object.prototype (`constructor`, `__proto__`, `toString`). */
export function ownValue<T>(table: { readonly [k: string]: T }, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
