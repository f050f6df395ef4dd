import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { expect } from "vitest";
import type { OptionSpec } from "../../lib/cli/args";
import type { Command } from "../../lib/cli/command";
import { COMMANDS, runCli } from "../../lib/cli/main";
import type { InputContent, NumberSpec, ValueSpec } from "../../lib/util/values";
import { echo } from "../../lib/util/text";
import { tree } from "../cli/harness";

/**
 * The command-line fuzz suite's grammar: argv generated from the command registry itself (lib/cli/main.ts COMMANDS:
 * each command's declared options and positionals, lib/util/values.ts value specs), so a command added later is
 * covered without editing this file. Each value is drawn either valid (capped: CAPS) or from a hostile class; files
 * are drawn from fixtures (valid, broken JSON, wrong types, prototype keys, huge, FIFO, directory, symlinks). The
 * contract checked for every case (checkContract):
 *   exit 0 with valid output (3 only for `check`, with violations), or exit 2 with exactly one stderr line naming the
 *   field and nothing on stdout; never another exit code; no file created or changed on exit 2, and on exit 0 only
 *   the output asked for.
 */

// ---------------------------------------------------------------------------------------------------------------------
// Caps: valid values that would run long are drawn from these ranges only

/** valid-value ranges of options that set the amount of work (by option name) */
export const CAPS: Readonly<Record<string, { readonly min: number; readonly max: number; readonly integer?: boolean }>> = {
  depth: { min: 1, max: 3, integer: true },
  "duration-ms": { min: 0.001, max: 0.3 },
  iterations: { min: 1, max: 4, integer: true },
  steps: { min: 1, max: 150, integer: true },
  "max-len": { min: 0, max: 2, integer: true },
  "max-events": { min: 1, max: 1000, integer: true },
  seeds: { min: 1, max: 2, integer: true },
  workers: { min: 0, max: 1, integer: true },
  "pair-inputs": { min: 0, max: 2, integer: true },
  top: { min: 1, max: 5, integer: true },
};
/** options always given (with a capped valid value) when a command has them and the case does not draw them */
export const ALWAYS: readonly string[] = ["duration-ms", "iterations", "steps", "seeds", "workers", "target", "trace"];
/** at most this many items in a comma list (sweep axes), and this many list options per case */
export const LIST_MAX = 2;
export const LISTS_PER_CASE = 2;

// ---------------------------------------------------------------------------------------------------------------------
// Value classes

export const NUMBER_HOSTILE = [
  "out-of-range", "non-integer", "hex", "binary", "octal", "whitespace", "trailing-newline", "leading-dot", "trailing-dot",
  "plus-sign", "nan-word", "infinity-word", "tiny", "huge", "negative-zero", "proto-word", "newline", "ansi", "empty",
  "list-junk", "unicode-digit", "long",
] as const;
export const ENUM_HOSTILE = ["proto-word", "case-variant", "whitespace", "newline", "ansi", "empty", "typo", "long"] as const;
export const SYNTAX_HOSTILE = ["proto-word", "junk", "newline", "empty"] as const;
export const FILE_CLASSES = [
  "valid", "symlink-valid", "broken-json", "empty-file", "wrong-type", "proto-key", "unknown-key", "wrong-value-type",
  "out-of-range", "huge-literal", "oversize", "fifo", "directory", "dangling-symlink", "missing", "char-device", "newline-name",
] as const;
export const OUT_FILE_CLASSES = [
  "new", "existing-file", "symlink-file", "char-device", "directory", "dangling-symlink", "missing-parent", "fifo-no-reader",
  "through-file", "trailing-slash",
] as const;
export const OUT_DIR_CLASSES = ["new", "new-nested", "empty-dir", "other-results", "existing-file", "through-file", "dangling-symlink", "proc"] as const;
export const RESULTS_CLASSES = ["complete", "one-shard", "duplicate", "edited", "other-sweep", "no-results", "fifo-results", "missing"] as const;
export const FLAG_CLASSES = ["repeat", "unknown", "no-prefix-on-value", "value-on-bool", "single-dash", "stray-positional", "missing-value"] as const;

/** Every class a registry of these value types can hit: the report's denominator. */
export function catalog(commands: readonly Command[]): string[] {
  const types = new Set<string>();
  const walk = (v: ValueSpec): void => {
    types.add(v.type === "name-or-file" ? "file" : v.type === "integer" || v.type === "number" ? "number" : v.type);
    if (v.type === "name-or-file") types.add("enum");
    if (v.type === "list") walk(v.item);
  };
  for (const c of commands) {
    for (const o of c.options) if (o.value) walk(o.value);
    if (c.positionals) walk(c.positionals.value);
    for (const sc of c.subcommands ?? []) if (sc.positionals) walk(sc.positionals.value);
  }
  const out: string[] = [];
  const add = (t: string, cs: readonly string[]): void => {
    if (types.has(t)) for (const c of cs) out.push(`${t}:${c}`);
  };
  add("number", ["valid", ...NUMBER_HOSTILE]);
  add("enum", ["valid", ...ENUM_HOSTILE]);
  add("syntax", ["valid", ...SYNTAX_HOSTILE]);
  add("file", FILE_CLASSES);
  add("output-file", OUT_FILE_CLASSES);
  add("output-dir", OUT_DIR_CLASSES);
  add("results-dir", RESULTS_CLASSES);
  add("list", ["valid", "empty-item", "trailing-comma", "hostile-item"]);
  for (const c of FLAG_CLASSES) out.push(`flag:${c}`);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------------
// Fixtures: input files and sweep outputs, made once

export interface Fixtures {
  readonly root: string;
  /** the sandbox's input part (snapshotted around every case) */
  readonly inputs: string;
  /** file class -> path, per content kind */
  readonly files: Readonly<Record<InputContent, Readonly<Record<string, string>>>>;
  /** results-dir classes' directories */
  readonly shards: { s0: string; s1: string; other: string; edited: string; nores: string; fifores: string; merged: string };
}

/** a short L0 recording (nestlab trace --format kernel --kernel-only --depth 2: the first lines) */
const VALID_TRACE = [
  "cpus=1\n",
  "       CPU 0/KVM-4242  [000]   100.000069071: kvm_exit:             TRAP: HSR_EC: 0x0024 (DABT_LOW), PC: 0xffff800080a10000\n",
  "       CPU 0/KVM-4242  [000]   100.000069071: kvm_guest_fault:      ipa 0x8000008, hsr 0x93800007, hxfar 0x000008, pc 0xffff800080a10000\n",
  "       CPU 0/KVM-4242  [000]   100.000069263: kvm_inject_nested_exception: SYNC: esr_el2 0x93800007 elr_el2: 0xffff800080a10000 spsr_el2: 0x000003c5 (M: EL1h) hcr_el2: 8807d663f\n",
  "       CPU 0/KVM-4242  [000]   100.000069898: kvm_entry:            PC: 0xffff800080b20000\n",
  "       CPU 0/KVM-4242  [000]   100.000070134: kvm_exit:             TRAP: HSR_EC: 0x0018 (SYS64), PC: 0xffff800080b20000\n",
  "       CPU 0/KVM-4242  [000]   100.000070134: kvm_handle_sys_reg:   HSR 0x62391801\n",
  "       CPU 0/KVM-4242  [000]   100.000070134: kvm_sys_access:       PC: ffff800080b20000 HPFAR_EL2 (3,4,6,0,4) read\n",
].join("");

const VALID: Record<Exclude<InputContent, "trace">, unknown> = {
  costs: { vmmMmio: 2000, fpBytesPerCycle: 32 },
  grid: { axes: { depth: [1, 2], "duration-ms": [0.2] }, seeds: 2, costs: { isb: 30 } },
  workload: { name: "fuzz", ioRate: 8000, ioUserFraction: 0.5, ioIrqFraction: 0.5, ipiRate: 100, s2FaultRate: 10, wfiRate: 10, fpUse: 0.5, timerHz: 250 },
  change: { name: "fuzz-change", title: "drop the PMU switch", origin: "hypothetical", rationale: "fuzzing", levels: "all", edits: [{ step: "pmuTrapsPut", action: "drop", when: "IN_NESTED" }] },
};

/** text of each hostile trace file: the JSON classes' names, read as what they mean for a text recording */
function hostileTraceTexts(): Record<string, string> {
  const lines = VALID_TRACE.split("\n");
  return {
    "broken-json": VALID_TRACE.slice(0, VALID_TRACE.length - 40), // cut inside a line
    "empty-file": "",
    "wrong-type": "\u0000\u0001\u0002binary\u00ff\n\u001b[31mred\u001b[0m\n",
    "proto-key": lines.map((l) => l.replace("kvm_exit:", "__proto__:")).join("\n"),
    "unknown-key": lines.map((l) => l.replace("kvm_entry:", "kvm_nosuchevent:")).join("\n"),
    "wrong-value-type": lines.map((l) => l.replace(/0x[0-9a-f]+/g, "0xZZ")).join("\n"),
    "out-of-range": [...lines].reverse().join("\n"), // time runs backwards
    "huge-literal": lines.map((l) => l.replace(/ \d+\.\d+:/, " 1e309:")).join("\n"),
  };
}

/** text of each hostile JSON file, per content */
function hostileTexts(c: Exclude<InputContent, "trace">): Record<string, string> {
  const valid = JSON.stringify(VALID[c]);
  const firstKey = Object.keys(VALID[c] as object)[0]!;
  return {
    "broken-json": valid.slice(0, -3),
    "empty-file": "",
    "wrong-type": ["[1,2]", '"text"', "42", "null", "true"][c.length % 5]!,
    "proto-key": valid.replace("{", '{"__proto__":{"polluted":1},'),
    "unknown-key": valid.replace("{", '{"nosuchkey":1,'),
    "wrong-value-type": valid.replace(new RegExp(`"${firstKey}":[^,}\\]]+`), `"${firstKey}":"7"`).replace(`"${firstKey}":{`, `"${firstKey}":"{`),
    "out-of-range":
      c === "costs" ? '{"vmmMmio":-5}' : c === "grid" ? '{"axes":{"depth":[9]}}' : c === "change" ? valid.replace('"levels":"all"', '"levels":[9]') : valid.replace('"fpUse":0.5', '"fpUse":1.5'),
    "huge-literal":
      c === "costs" ? '{"vmmMmio":1e309}' : c === "grid" ? '{"axes":{"io-rate":[1e309]}}' : c === "change" ? valid.replace('"levels":"all"', '"levels":[1e309]') : valid.replace('"ioRate":8000', '"ioRate":1e309'),
  };
}

export function makeFixtures(root: string): Fixtures {
  const inputs = join(root, "in");
  mkdirSync(inputs, { recursive: true });
  const oversize = join(inputs, "oversize.json");
  writeFileSync(oversize, `{"x":"${"a".repeat(17 * 1024 * 1024)}"}`);
  const fifo = join(inputs, "fifo.json");
  if (spawnSync("mkfifo", [fifo]).status !== 0) throw new Error("mkfifo failed");
  mkdirSync(join(inputs, "dir.json"));
  symlinkSync(join(inputs, "missing", "x.json"), join(inputs, "dangling.json"));
  const files = {} as Record<InputContent, Record<string, string>>;
  for (const c of ["costs", "grid", "workload", "trace", "change"] as InputContent[]) {
    const f: Record<string, string> = {};
    const put = (cls: string, text: string): void => {
      const p = join(inputs, `${c}-${cls}.json`);
      writeFileSync(p, text);
      f[cls] = p;
    };
    put("valid", c === "trace" ? VALID_TRACE : JSON.stringify(VALID[c]));
    for (const [cls, text] of Object.entries(c === "trace" ? hostileTraceTexts() : hostileTexts(c))) put(cls, text);
    symlinkSync(f.valid!, join(inputs, `${c}-link.json`));
    f["symlink-valid"] = join(inputs, `${c}-link.json`);
    f.oversize = oversize;
    f.fifo = fifo;
    f.directory = join(inputs, "dir.json");
    f["dangling-symlink"] = join(inputs, "dangling.json");
    f.missing = join(inputs, "no-such-file.json");
    f["char-device"] = "/dev/null";
    f["newline-name"] = join(inputs, "new\nline.json");
    files[c] = f;
  }
  return { root, inputs, files, shards: makeShards(join(root, "shards")) };
}

/** Where the sweep outputs for merge go (buildShards makes them). */
function makeShards(dir: string): Fixtures["shards"] {
  mkdirSync(dir, { recursive: true });
  return {
    s0: join(dir, "s0"),
    s1: join(dir, "s1"),
    other: join(dir, "other"),
    edited: join(dir, "edited"),
    nores: join(dir, "nores"),
    fifores: join(dir, "fifores"),
    merged: join(dir, "merged"),
  };
}

/** The sweeps behind makeShards (async: runCli is). */
export async function buildShards(f: Fixtures): Promise<void> {
  const run = async (...argv: string[]): Promise<void> => {
    let err = "";
    const code = await runCli(argv, { out: () => undefined, err: (t) => void (err += t) });
    if (code !== 0) throw new Error(`${argv.join(" ")}: ${err}`);
  };
  const s = f.shards;
  const grid = ["--depth", "1,2", "--duration-ms", "0.2", "--workers", "0"];
  await run("sweep", ...grid, "--shard", "0/2", "--out", s.s0);
  await run("sweep", ...grid, "--shard", "1/2", "--out", s.s1);
  await run("sweep", "--depth", "1,3", "--duration-ms", "0.2", "--workers", "0", "--shard", "0/2", "--out", s.other);
  await run("merge", s.s0, s.s1, "--out", s.merged);
  mkdirSync(s.edited);
  for (const name of readdirSync(s.s1)) copyFileSync(join(s.s1, name), join(s.edited, name));
  const rj = join(s.edited, "results.json");
  writeFileSync(rj, readFileSync(rj, "utf8").replace(/"cycles":(\d+)/, '"cycles":12345'));
  mkdirSync(s.nores);
  mkdirSync(s.fifores);
  if (spawnSync("mkfifo", [join(s.fifores, "results.json")]).status !== 0) throw new Error("mkfifo failed");
}

// ---------------------------------------------------------------------------------------------------------------------
// Drawing a case

export interface Case {
  readonly argv: string[];
  /** value classes drawn, as `type:class` */
  readonly classes: string[];
  /** the output path asked for (--out), if any: exit 0 may create or change it */
  readonly out?: string;
  /** every value drawn valid and no flag-level mistake: the case should run (exit 0, or 2 for a refused combination) */
  readonly allValid: boolean;
}

type G = fc.GeneratorValue;

const PROTO = ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf", "prototype"];

function fmt(v: number): string {
  return String(v === 0 ? 0 : v);
}

function drawNumber(g: G, name: string, s: NumberSpec, hostile: boolean, cls: string[]): string {
  if (!hostile) {
    cls.push("number:valid");
    const cap = CAPS[name];
    const lo = cap ? Math.max(cap.min, s.min) : s.min;
    const hi = cap ? Math.min(cap.max, s.max) : s.max;
    const integer = s.type === "integer" || cap?.integer;
    const edge = g(fc.integer, { min: 0, max: 5 });
    let v: number;
    if (integer) v = edge === 0 ? Math.ceil(lo) : edge === 1 ? Math.floor(hi) : g(fc.integer, { min: Math.ceil(lo), max: Math.floor(hi) });
    else {
      const frac = g(fc.integer, { min: 0, max: 1000 }) / 1000;
      v = edge === 0 ? lo : edge === 1 ? hi : Number((lo + (hi - lo) * frac).toPrecision(6));
      if (s.minExclusive && v <= s.min) v = hi;
      if (v < lo) v = lo;
    }
    // the same number in another of JSON's spellings now and then
    const spell = g(fc.integer, { min: 0, max: 9 });
    return spell === 0 && v !== 0 ? v.toExponential() : fmt(v);
  }
  const c = g(fc.constantFrom, ...NUMBER_HOSTILE, "proto-word", "proto-word");
  cls.push(`number:${c}`);
  const big = s.max >= 1e6 ? s.max * 10 : s.max + 1;
  switch (c) {
    case "out-of-range":
      return g(fc.boolean) ? fmt(s.minExclusive ? s.min : s.min - 1) : fmt(big);
    case "non-integer":
      return s.type === "integer" ? `${Math.max(s.min, 1)}.5` : "1.0e";
    case "hex":
      return "0x5";
    case "binary":
      return "0b11";
    case "octal":
      return "0o7";
    case "whitespace":
      return " 1 ";
    case "trailing-newline":
      return "1\n";
    case "leading-dot":
      return ".5";
    case "trailing-dot":
      return "5.";
    case "plus-sign":
      return "+1";
    case "nan-word":
      return "NaN";
    case "infinity-word":
      return g(fc.constantFrom, "Infinity", "-Infinity", "inf");
    case "tiny":
      return s.min > 0 || s.minExclusive ? g(fc.constantFrom, "5e-324", "1e-300") : "1e-400";
    case "huge":
      return g(fc.constantFrom, "1e309", "1e300", "99999999999999999999999");
    case "negative-zero":
      // -0 is 0: refused where 0 is out of range, else the same as 0
      return "-0";
    case "proto-word":
      return g(fc.constantFrom, ...PROTO);
    case "newline":
      return "1\n2";
    case "ansi":
      return "\x1b[31m1";
    case "empty":
      return "";
    case "list-junk":
      return "1,x";
    case "unicode-digit":
      return g(fc.constantFrom, "\uff11", "\u0663", "1\u00a0");
    case "long":
      return "9".repeat(400);
  }
  throw new Error(`no number class ${String(c)}`);
}

function drawEnum(g: G, values: readonly string[], hostile: boolean, cls: string[]): string {
  if (!hostile) {
    cls.push("enum:valid");
    return g(fc.constantFrom, ...values);
  }
  // prototype words weigh four times as much: a lookup that reaches Object.prototype is the bug they find
  const c = g(fc.constantFrom, ...ENUM_HOSTILE, "proto-word", "proto-word", "proto-word");
  cls.push(`enum:${c}`);
  const v = g(fc.constantFrom, ...values);
  switch (c) {
    case "proto-word":
      return g(fc.constantFrom, ...PROTO);
    case "case-variant":
      return v.toUpperCase() === v ? `${v}X` : v.toUpperCase();
    case "whitespace":
      return ` ${v}`;
    case "newline":
      return `${v}\n`;
    case "ansi":
      return `\x1b[1m${v}`;
    case "empty":
      return "";
    case "typo":
      return v.length > 1 ? v.slice(1) + "q" : "qq";
    case "long":
      return v.repeat(300);
  }
  throw new Error(`no enum class ${String(c)}`);
}

function drawSyntax(g: G, examples: readonly string[], hostile: boolean, cls: string[]): string {
  if (!hostile) {
    cls.push("syntax:valid");
    return g(fc.constantFrom, ...examples);
  }
  const c = g(fc.constantFrom, ...SYNTAX_HOSTILE, "proto-word", "proto-word");
  cls.push(`syntax:${c}`);
  switch (c) {
    case "proto-word":
      return g(fc.constantFrom, ...PROTO);
    case "junk":
      return g(fc.constantFrom, "1/0", "-1", "a,b", "0+", "9/4", "x:*", "**", "0,,1", "1/2/3");
    case "newline":
      return `${examples[0]}\nx`;
    case "empty":
      return "";
  }
  throw new Error(`no syntax class ${String(c)}`);
}

function drawFile(g: G, f: Fixtures, content: InputContent, hostile: boolean, cls: string[]): string {
  const c = hostile ? g(fc.constantFrom, ...FILE_CLASSES.filter((x) => x !== "valid" && x !== "symlink-valid")) : g(fc.constantFrom, "valid", "symlink-valid");
  cls.push(`file:${c}`);
  return f.files[content][c]!;
}

/** A fresh directory for this case's outputs, with the targets the classes need. */
function outTarget(g: G, outDir: string, f: Fixtures, type: "output-file" | "output-dir", hostile: boolean, cls: string[]): string {
  if (type === "output-file") {
    const valid = ["new", "existing-file", "symlink-file", "char-device"] as const;
    const c = hostile ? g(fc.constantFrom, ...OUT_FILE_CLASSES.filter((x) => !(valid as readonly string[]).includes(x))) : g(fc.constantFrom, ...valid);
    cls.push(`output-file:${c}`);
    switch (c) {
      case "new":
        return join(outDir, "t.out");
      case "existing-file":
        writeFileSync(join(outDir, "existing.out"), "old");
        return join(outDir, "existing.out");
      case "symlink-file":
        writeFileSync(join(outDir, "target.out"), "old");
        symlinkSync("target.out", join(outDir, "link.out"));
        return join(outDir, "link.out");
      case "char-device":
        return "/dev/null";
      case "directory":
        mkdirSync(join(outDir, "adir"));
        return join(outDir, "adir");
      case "dangling-symlink":
        symlinkSync("missing/x", join(outDir, "dangling"));
        return join(outDir, "dangling");
      case "missing-parent":
        return join(outDir, "no", "such", "t.out");
      case "fifo-no-reader":
        spawnSync("mkfifo", [join(outDir, "fifo")]);
        return join(outDir, "fifo");
      case "through-file":
        writeFileSync(join(outDir, "afile"), "x");
        return join(outDir, "afile", "t.out");
      case "trailing-slash":
        return join(outDir, "t.out") + "/";
    }
  }
  const valid = ["new", "new-nested", "empty-dir"] as const;
  const c = hostile ? g(fc.constantFrom, ...OUT_DIR_CLASSES.filter((x) => !(valid as readonly string[]).includes(x))) : g(fc.constantFrom, ...valid);
  cls.push(`output-dir:${c}`);
  switch (c) {
    case "new":
      return join(outDir, "res");
    case "new-nested":
      return join(outDir, "a", "b", "res");
    case "empty-dir":
      mkdirSync(join(outDir, "empty"));
      return join(outDir, "empty");
    case "other-results":
      mkdirSync(join(outDir, "other"));
      for (const name of readdirSync(f.shards.other)) copyFileSync(join(f.shards.other, name), join(outDir, "other", name));
      return join(outDir, "other");
    case "existing-file":
      writeFileSync(join(outDir, "afile"), "x");
      return join(outDir, "afile");
    case "through-file":
      writeFileSync(join(outDir, "afile"), "x");
      return join(outDir, "afile", "res");
    case "dangling-symlink":
      symlinkSync("missing/x", join(outDir, "dangling"));
      return join(outDir, "dangling");
    case "proc":
      return "/proc/self/newdir";
  }
  throw new Error(`no output class ${String(c)}`);
}

function drawResults(g: G, f: Fixtures, hostile: boolean, cls: string[]): string[] {
  const s = f.shards;
  const c = hostile ? g(fc.constantFrom, ...RESULTS_CLASSES.filter((x) => x !== "complete")) : "complete";
  cls.push(`results-dir:${c}`);
  switch (c) {
    case "complete":
      return g(fc.boolean) ? [s.s0, s.s1] : [s.s1, s.s0];
    case "one-shard":
      return [s.s0];
    case "duplicate":
      return [s.s0, s.s0, s.s1];
    case "edited":
      return [s.s0, s.edited];
    case "other-sweep":
      return [s.s0, s.other];
    case "no-results":
      return [s.s0, s.nores];
    case "fifo-results":
      return [s.s0, s.fifores];
    case "missing":
      return [s.s0, join(f.root, "no-such-dir")];
  }
  throw new Error(`no results class ${String(c)}`);
}

/** One value for a spec (may be several words only for results-dir positionals). */
function drawValue(g: G, name: string, v: ValueSpec, f: Fixtures, outDir: string, hostile: boolean, cls: string[], out: { path?: string }): string {
  switch (v.type) {
    case "integer":
    case "number":
      return drawNumber(g, name, v, hostile, cls);
    case "enum":
      return drawEnum(g, v.values, hostile, cls);
    case "syntax":
      return drawSyntax(g, v.examples, hostile, cls);
    case "file":
      return drawFile(g, f, v.content, hostile, cls);
    case "name-or-file":
      return g(fc.boolean) ? drawEnum(g, v.values, hostile, cls) : drawFile(g, f, v.content, hostile, cls);
    case "output-file":
    case "output-dir": {
      const p = outTarget(g, outDir, f, v.type, hostile, cls);
      out.path = p;
      return p;
    }
    case "results-dir":
      return drawResults(g, f, hostile, cls).join("\u0000");
    case "list": {
      const k = g(fc.integer, { min: 1, max: LIST_MAX });
      const items: string[] = [];
      const hostileAt = hostile ? g(fc.integer, { min: 0, max: 3 }) : -1;
      if (hostileAt === 0) {
        cls.push("list:empty-item");
        return g(fc.boolean) ? "" : ",";
      }
      if (hostileAt === 1) cls.push("list:trailing-comma");
      if (hostileAt >= 2) cls.push("list:hostile-item");
      if (!hostile) cls.push("list:valid");
      for (let i = 0; i < k; i++) items.push(drawValue(g, name, v.item, f, outDir, hostileAt >= 2 && i === k - 1, cls, out));
      return items.join(",") + (hostileAt === 1 ? "," : "");
    }
  }
}

const PATHLIKE = new Set(["file", "name-or-file", "output-file", "output-dir", "results-dir"]);

/** option families: cost.X and cost-scale.X options share one family each, so 72 cost axes weigh as two options */
const family = (o: OptionSpec): string => o.name.replace(/\..*$/, ".*");

/** Draws one case: a command, its positionals, some options with valid or hostile values, maybe a flag-level mistake. */
export function drawCase(g: G, f: Fixtures, outDir: string): Case {
  const cmd: Command = g(fc.constantFrom, ...COMMANDS);
  const cls: string[] = [];
  const argv: string[] = [cmd.name];
  const out: { path?: string } = {};
  /** the chance that a value is drawn from a hostile class: higher for paths and files, which have more classes */
  const isHostile = (type?: string): boolean => g(fc.integer, { min: 0, max: 999 }) < (PATHLIKE.has(type ?? "") ? 300 : 120);
  let allValid = true;
  // a sub-command's word (now and then a hostile one), then its positionals; or the command's own positionals
  let positionals = cmd.positionals;
  if (cmd.subcommands && cmd.subcommands.length > 0) {
    const h = isHostile("enum");
    allValid &&= !h;
    const sub = g(fc.constantFrom, ...cmd.subcommands);
    argv.push(h ? drawEnum(g, cmd.subcommands.map((s) => s.name), true, cls) : sub.name);
    positionals = h ? undefined : sub.positionals;
  }
  if (positionals) {
    const p = positionals;
    const h = isHostile(p.value.type);
    allValid &&= !h;
    const words = drawValue(g, p.field, p.value, f, outDir, h, cls, out).split("\u0000");
    argv.push(...words.slice(0, Number.isFinite(p.max) ? p.max : words.length));
  }
  // options: a few, drawn by family (help rarely: it turns a case into a help print)
  const families = new Map<string, OptionSpec[]>();
  for (const o of cmd.options) families.set(family(o), [...(families.get(family(o)) ?? []), o]);
  // paths and files weigh three times as much: they have the most classes to cover
  const weighted = [...families.keys()]
    .filter((k) => k !== "help")
    .flatMap((k) => (families.get(k)!.some((o) => PATHLIKE.has(o.value?.type ?? "")) ? [k, k, k] : [k]));
  const k = g(fc.integer, { min: 0, max: Math.min(4, new Set(weighted).size) });
  const chosen: OptionSpec[] = [];
  let lists = 0;
  for (let i = 0; i < k; i++) {
    const fam = families.get(g(fc.constantFrom, ...weighted))!;
    const o = g(fc.constantFrom, ...fam);
    if (chosen.some((c) => c.name === o.name)) continue;
    if (o.value?.type === "list" && ++lists > LISTS_PER_CASE) continue;
    chosen.push(o);
  }
  if (cmd.options.some((o) => o.name === "help") && g(fc.integer, { min: 0, max: 49 }) === 0) chosen.push(cmd.options.find((o) => o.name === "help")!);
  // the work caps: given when the command has them and the case did not draw them
  for (const name of ALWAYS) {
    const o = cmd.options.find((x) => x.name === name);
    if (o && !chosen.includes(o)) {
      if (name === "steps" && chosen.some((c) => c.name === "exhaustive")) continue;
      chosen.push(o);
    }
  }
  if (chosen.some((c) => c.name === "exhaustive") && !chosen.some((c) => c.name === "max-len")) {
    const o = cmd.options.find((x) => x.name === "max-len");
    if (o) chosen.push(o);
  }
  for (const o of chosen) {
    if (o.kind === "bool") {
      argv.push(g(fc.boolean) ? `--${o.name}` : o.name === "help" || o.name === "json" ? `--${o.name}` : `--no-${o.name}`);
      continue;
    }
    const h = isHostile(o.value?.type);
    allValid &&= !h;
    const v = drawValue(g, o.name, o.value!, f, outDir, h, cls, out);
    argv.push(...(g(fc.boolean) ? [`--${o.name}=${v}`] : [`--${o.name}`, v]));
  }
  // a flag-level mistake now and then
  if (g(fc.integer, { min: 0, max: 99 }) < 8) {
    const c = g(fc.constantFrom, ...FLAG_CLASSES);
    cls.push(`flag:${c}`);
    allValid = false;
    const anyValue = cmd.options.find((o) => o.kind === "value");
    const anyBool = cmd.options.find((o) => o.kind === "bool" && o.name !== "help");
    switch (c) {
      case "repeat": {
        // an option given twice (the same value again, or a first and a second one): never run
        const o = chosen.find((x) => x.kind === "value" && x.name !== "help") ?? anyValue;
        if (!o) argv.push("--json", "--json");
        else if (chosen.includes(o)) argv.push(`--${o.name}`, argv[argv.indexOf(`--${o.name}`) + 1] ?? "1");
        else argv.push(`--${o.name}=1`, `--${o.name}=1`);
        break;
      }
      case "unknown":
        argv.push(g(fc.constantFrom, "--bogus", `--${(anyValue?.name ?? "x").slice(0, -1)}`, "--", "--=", "---depth"));
        break;
      case "no-prefix-on-value":
        argv.push(anyValue ? `--no-${anyValue.name}` : "--no-bogus");
        break;
      case "value-on-bool":
        argv.push(anyBool ? `--${anyBool.name}=1` : "--json=yes");
        break;
      case "single-dash":
        argv.push(g(fc.constantFrom, "-d", "-h", "-x", "-depth"), "1");
        break;
      case "stray-positional":
        argv.push(g(fc.constantFrom, "extra", "constructor", "-", "1"));
        break;
      case "missing-value":
        if (anyValue) argv.push(`--${anyValue.name}`);
        else argv.push("--bogus");
        break;
    }
  }
  return { argv, classes: cls, ...(out.path !== undefined ? { out: out.path } : {}), allValid };
}

// ---------------------------------------------------------------------------------------------------------------------
// The contract

/** Checks one case's outcome (throws on a breach). `before`/`after`: snapshots of the sandbox's fixtures and outputs. */
export function checkContract(
  c: Case,
  r: { code: number; out: string; err: string },
  snap: { inputsBefore: Record<string, string>; inputsAfter: Record<string, string>; outBefore: Record<string, string>; outAfter: Record<string, string>; outDir: string },
): void {
  const what = `argv ${JSON.stringify(c.argv)}\nexit ${r.code}\nstderr ${JSON.stringify(r.err.slice(0, 2000))}\nstdout ${JSON.stringify(r.out.slice(0, 300))}`;
  expect([0, 2, 3], what).toContain(r.code);
  // the fixtures never change
  expect(snap.inputsAfter, what).toEqual(snap.inputsBefore);
  // no silent nonsense: no NaN or Infinity for a number, nothing of Object.prototype for a value
  expect(r.out, what).not.toMatch(/\bNaN\b|\bInfinity\b|\bundefined\b|\[object \w+\]|function \w*\(|\[native code\]/);
  if (r.code === 2) {
    expect(r.out, what).toBe("");
    expect(r.err.endsWith("\n") && !r.err.slice(0, -1).includes("\n"), what).toBe(true);
    expect(r.err.startsWith("nestlab: "), what).toBe(true);
    // the line names the field: an option of the argv, or the positional argument / command
    const named =
      c.argv.some((a) => a.startsWith("--") && r.err.includes(a.replace(/=.*$/s, "").replace(/^--no-/, "--"))) ||
      c.argv.slice(1).some((a) => !a.startsWith("--") && a.length > 0 && r.err.includes(`'${echo(a)}'`)) ||
      /\b(command|op|profile|director(y|ies)|argument|option|merge needs|micro needs)\b|^nestlab: \w+ needs (--\w|a FILE)/.test(r.err);
    expect(named, what).toBe(true);
    // nothing created or changed
    expect(snap.outAfter, what).toEqual(snap.outBefore);
    return;
  }
  if (r.code === 3) {
    expect(c.argv[0], what).toBe("check");
    expect(/violations: [1-9]|"violations":[1-9]/.test(r.out), what).toBe(true);
  }
  // exit 0 (or 3): valid output
  if (c.argv.includes("--help") || c.argv.includes("--help=")) {
    expect(r.out, what).toMatch(/^usage: nestlab /);
    return;
  }
  const json = c.argv.includes("--json");
  const traceToStdout = c.argv[0] === "trace" && c.out === undefined;
  if (traceToStdout) {
    const textual = c.argv.some((a, i) => a === "--format=text" || a === "--format=kernel" || (c.argv[i - 1] === "--format" && (a === "text" || a === "kernel")));
    if (textual) expect(r.out.startsWith("cpus=1\n"), what).toBe(true);
    else expect(() => JSON.parse(r.out), what).not.toThrow();
  } else if (json) {
    const multi = c.argv[0] === "sweep" && c.out === undefined;
    if (!multi) expect(r.out.trimEnd().includes("\n"), what).toBe(false);
    const doc = JSON.parse(r.out) as unknown;
    checkNulls(doc, what, "", false, NULLABLE[c.argv[0] ?? ""] ?? []);
  } else {
    expect(r.out.length, what).toBeGreaterThan(0);
  }
  // on success only the output asked for may appear or change
  const changed = Object.keys({ ...snap.outBefore, ...snap.outAfter }).filter((k) => snap.outBefore[k] !== snap.outAfter[k]);
  const allowed = (k: string): boolean => c.out !== undefined && (join(snap.outDir, k) === c.out || join(snap.outDir, k).startsWith(c.out.replace(/\/$/, "") + "/") || c.out.startsWith(join(snap.outDir, k) + "/") || isTargetOf(snap.outDir, k, c.out));
  expect(changed.filter((k) => !allowed(k)), what).toEqual([]);
}

/** a symlink's target file (`--out link.out` rewrites target.out) */
function isTargetOf(outDir: string, k: string, out: string): boolean {
  return out === join(outDir, "link.out") && k === "target.out";
}

/**
 * Keys docs/cli.md documents as null in a command's JSON ("null when there were none"): an empty trace has no
 * per-nested-exit figures, no timed exits, nothing to compare.
 */
const NULLABLE: Readonly<Record<string, readonly string[]>> = {
  import: ["perNestedExit", "perSecond", "meanNs", "sdNs", "minNs", "maxNs", "p50Ns", "p90Ns", "p99Ns", "hypExitsPerWindow", "totalTimeNs"],
  diff: ["workload", "machine", "model", "ratio"],
  fit: ["out"],
  compare: ["level"],
  explain: ["wallReduction", "speedup", "l0FpTrapNs", "forwardedFpTrapNs", "l0PutLoadCycles"],
};

/** JSON outputs hold no null in place of a number: nulls only where the contract allows them */
function checkNulls(v: unknown, what: string, key = "", inErrorRow = false, nullable: readonly string[] = []): void {
  if (v === null) {
    expect(["firstViolation", "error", "shard", ...nullable].includes(key) || inErrorRow, `${what}\nnull at ${key}`).toBe(true);
    return;
  }
  if (Array.isArray(v)) v.forEach((x) => checkNulls(x, what, key, inErrorRow, nullable));
  else if (typeof v === "object") {
    const o = v as Record<string, unknown>;
    const errorRow = typeof o.error === "string";
    for (const [k, x] of Object.entries(o)) checkNulls(x, what, k, errorRow, nullable);
  }
}

/** Snapshot helper (re-exported for the test). */
export const snapshot = tree;
