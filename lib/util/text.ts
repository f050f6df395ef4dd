/**
 * Text for a terminal: what the command line echoes back (values, file names) is made printable on one line, and a
 * mistyped name gets the nearest accepted one as a suggestion.
 */

/**
 * `s` with every control character (C0, DEL, C1), line or paragraph separator and bidirectional override escaped as
 * `\n`, `\t`, `\xHH` or `\uHHHH`: an echoed value can neither break an error line in two nor recolour a terminal.
 */
export function printable(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => {
    if (c === "\n") return "\\n";
    if (c === "\r") return "\\r";
    if (c === "\t") return "\\t";
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/** Echoed values are cut to this many characters (a 10 kB argument makes no better error line). */
const ECHO_MAX = 200;

/** A value as error lines echo it: printable, and cut with an ellipsis past ECHO_MAX characters. */
export function echo(s: string): string {
  const p = printable(s);
  return p.length > ECHO_MAX ? `${p.slice(0, ECHO_MAX)}...(${s.length} characters)` : p;
}

/** Optimal string alignment distance (Levenshtein with adjacent transpositions). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The accepted names nearest to a mistyped one: within a third of its length in edits (at least 1, at most 3), or
 * names it is a prefix of (at least 2 characters); the closest first, at most three.
 */
export function nearest(word: string, names: readonly string[]): string[] {
  if (word.length === 0 || word.length > 64) return [];
  const limit = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  const scored = names
    .map((n) => ({ n, d: editDistance(word, n), prefix: word.length >= 2 && n.startsWith(word) }))
    .filter((x) => x.d <= limit || x.prefix)
    .sort((x, y) => x.d - y.d || x.n.localeCompare(y.n));
  return scored.slice(0, 3).map((x) => x.n);
}

/** " (did you mean --depth?)" / " (did you mean --depth or --duration-ms?)", or "" */
export function didYouMean(candidates: readonly string[]): string {
  if (candidates.length === 0) return "";
  const list = candidates.length === 1 ? candidates[0]! : `${candidates.slice(0, -1).join(", ")} or ${candidates[candidates.length - 1]!}`;
  return `; did you mean ${list}?`;
}
