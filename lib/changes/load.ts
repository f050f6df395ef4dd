import { ConfigError } from "../util/errors";
import { readJsonInput } from "../util/files";
import { didYouMean, echo, nearest } from "../util/text";
import { type Adopted, type Change, defaultLevels, validateChange } from "./change";
import { BUILTIN_CHANGES, BUILTIN_NAMES } from "./builtin";

/**
 * `--change NAME|FILE[@LEVELS]`: a shipped change by name or a JSON change file by path, adopted at its default levels
 * or at LEVELS (`all`, `none`, or levels joined by `,` or `+`, like `0,1` or `0+1`). Kept apart from change.ts so that
 * a sweep point's run imports no file I/O (the sweep resolves its change axis once when it is planned).
 */
export const CHANGE_ACCEPTED = `${BUILTIN_NAMES.join(", ")}, or a JSON change file (FILE.json), optionally followed by @LEVELS (all, none, or levels like 0,1)`;

/** A shipped change by name, or one read from a JSON file (FILE.json); errors name `field`. */
export function loadChange(nameOrFile: string, field = "change"): Change {
  const named = BUILTIN_CHANGES.get(nameOrFile);
  if (named) return named;
  if (!nameOrFile.endsWith(".json")) {
    throw new ConfigError(field, nameOrFile, `${BUILTIN_NAMES.join(", ")}${didYouMean(nearest(nameOrFile, BUILTIN_NAMES))}, or a JSON change file (FILE.json)`);
  }
  return validateChange(readJsonInput(nameOrFile, field, "a JSON change file (docs/changes.md)"), nameOrFile, field);
}

/** LEVELS of `NAME@LEVELS` at a depth (hypervisor levels 0..depth-1) */
export function parseChangeLevels(raw: string, whole: string, depth: number, field = "change"): number[] {
  if (raw === "all") return Array.from({ length: depth }, (_, i) => i);
  if (raw === "none") return [];
  const accepted = `NAME@LEVELS with LEVELS all, none, or distinct levels 0..${depth - 1} at depth ${depth}, joined by , or +`;
  const out: number[] = [];
  for (const s of raw.split(/[,+]/)) {
    if (!/^[0-9]$/.test(s) || Number(s) >= depth || out.includes(Number(s))) throw new ConfigError(field, whole, accepted);
    out.push(Number(s));
  }
  return out.sort((a, b) => a - b);
}

/** One `--change` value at a depth: the change and the levels that adopt it. */
export function parseChangeArg(arg: string, depth: number, field = "change"): Adopted {
  const at = arg.lastIndexOf("@");
  const ref = at > 0 ? arg.slice(0, at) : arg;
  if (ref.length === 0) throw new ConfigError(field, arg, CHANGE_ACCEPTED);
  const change = loadChange(ref, field);
  const levels = at > 0 ? parseChangeLevels(arg.slice(at + 1), arg, depth, field) : defaultLevels(change, depth);
  return { change, levels };
}

/** The `--change` values of a command line: each change once. */
export function parseChangeArgs(args: readonly string[], depth: number, field = "change"): Adopted[] {
  const out: Adopted[] = [];
  for (const a of args) {
    const ad = parseChangeArg(a, depth, field);
    if (out.some((x) => x.change.name === ad.change.name)) {
      throw new ConfigError(field, a, `each change once (${echo(ad.change.name)} is given twice)`);
    }
    out.push(ad);
  }
  return out;
}
