import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { type SysRegName, SYSREGS } from "../arch/sysregs";
import { parseOp } from "./ops";
import { PATH_DEFS, type Src } from "./paths";
import { HANDLER_SOURCES, STEP_SOURCES } from "./sources";

/**
 * `npm run verify:kernel -- DIR`: checks the model's citations against a kernel tree (the pinned one:
 * ../shared/reference/linux-7.3-rc7). For every path of lib/kvm/paths.ts:
 *   1. each cited function exists in the cited file;
 *   2. each system register the path accesses appears in a cited function or in a function or macro they use
 *      (transitively, to a bounded depth), either literally (SYS_SCTLR_EL12, sctlr_el12, ICH_LR0_EL2) or through an
 *      alias derived from the tree itself: the accessor macros of asm/kvm_hyp.h (read_sysreg_el1(SYS_SCTLR) is
 *      SCTLR_EL12 with VHE: `#define read_sysreg_el1(r) read_sysreg_s(r##_EL12)`), and the macros and inline
 *      functions whose own body names the register (adr_this_cpu reads tpidr_el2). Never from a hand-written alias
 *      table; a register the model names differently from the architecture says which registers it stands for
 *      (`arch` in lib/arch/sysregs.ts).
 * An access that cannot be verified needs a stated reason (the path's `unverified` notes); one without is a failure.
 */

/** a definition found in the tree: a C function, a macro, an assembly function, label or .macro */
export interface Def {
  readonly name: string;
  readonly file: string;
  readonly body: string;
}

const SOURCE_DIRS = ["arch/arm64", "include", "drivers/irqchip", "drivers/clocksource", "virt"];
const C_KEYWORDS = new Set(["if", "for", "while", "switch", "return", "sizeof", "do", "else", "case", "break", "static", "inline", "const", "unsigned", "int", "long", "u64", "u32", "bool", "void", "struct"]);

/** Every function, macro and assembly routine of the kernel tree's source directories that matter here. */
export class SourceIndex {
  readonly defs = new Map<string, Def[]>();
  readonly files: string[] = [];

  constructor(readonly root: string) {
    for (const d of SOURCE_DIRS) this.walk(join(root, d));
  }

  private walk(dir: string): void {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) this.walk(p);
      else if (/\.(c|h|S)$/.test(e.name)) this.scan(p);
    }
  }

  private add(name: string, file: string, body: string): void {
    const list = this.defs.get(name);
    const def = { name, file, body };
    if (list) list.push(def);
    else this.defs.set(name, [def]);
  }

  private scan(path: string): void {
    const file = relative(this.root, path);
    this.files.push(file);
    const text = readFileSync(path, "utf8");
    // macros, with their continuation lines
    for (const m of text.matchAll(/^#\s*define\s+(\w+)((?:[^\n\\]|\\[^\n]|\\\n)*)/gm)) this.add(m[1]!, file, m[2]!);
    if (file.endsWith(".S") || file.endsWith(".h")) {
      for (const m of text.matchAll(/^\s*\.macro\s+(\w+)([\s\S]*?)^\s*\.endm/gm)) this.add(m[1]!, file, m[2]!);
    }
    if (file.endsWith(".S")) {
      // SYM_FUNC_START(name) / SYM_INNER_LABEL(name, ...) / plain labels (not the numbered local ones, 1:): to the
      // next such mark, and on through the marks it falls through to (el1_irq: el1_fiq: ... b __guest_exit)
      const marks = [...text.matchAll(/^(?:SYM_(?:FUNC_START|CODE_START|INNER_LABEL)(?:_LOCAL|_ALIAS)?\((\w+)[^)]*\)|([A-Za-z_]\w*):)/gm)];
      const ends = /^\s*(?:b|br|ret|eret|sb|SYM_\w*_END\b[^\n]*)(?:\s[^\n]*)?$/;
      marks.forEach((m, i) => {
        const name = m[1] ?? m[2]!;
        let j = i + 1;
        for (; j < marks.length; j++) {
          const lines = text.slice(marks[j - 1]!.index, marks[j]!.index).split("\n").map((l) => l.replace(/\/\/.*$/, "")).filter((l) => l.trim() !== "");
          const last = lines[lines.length - 1] ?? "";
          if (lines.length > 1 && ends.test(last)) break;
        }
        const end = j < marks.length ? marks[j]!.index : text.length;
        this.add(name, file, text.slice(m.index, end));
      });
      return;
    }
    // C functions defined at the top level: a signature at the start of a line, then a brace-balanced body
    const sig = /^[A-Za-z_][\w \t*]*?\b([A-Za-z_]\w*)\s*\(([^;{}()]|\([^;{}()]*\))*\)\s*(?:__\w+(?:\([^)]*\))?\s*)*\{/gm;
    for (const m of text.matchAll(sig)) {
      const open = (m.index ?? 0) + m[0].length - 1;
      let depth = 0;
      let i = open;
      for (; i < text.length; i++) {
        const ch = text[i];
        if (ch === "{") depth++;
        else if (ch === "}" && --depth === 0) break;
      }
      this.add(m[1]!, file, text.slice(open, i + 1));
    }
  }

  /** the definitions of `name` in `file` (or anywhere, when none is in that file) */
  find(name: string, file?: string): Def[] {
    const all = this.defs.get(name) ?? [];
    const here = file === undefined ? [] : all.filter((d) => d.file === file);
    return here.length > 0 ? here : all;
  }

  /** the bodies of `roots` and of everything they use, to `depth` levels */
  closure(roots: readonly Def[], depth: number): Def[] {
    const seen = new Set<Def>(roots);
    let frontier = [...roots];
    for (let level = 0; level < depth && frontier.length > 0; level++) {
      const next: Def[] = [];
      for (const d of frontier) {
        for (const tok of new Set(d.body.match(/\b[A-Za-z_]\w*\b/g) ?? [])) {
          if (C_KEYWORDS.has(tok) || tok === d.name) continue;
          for (const c of this.defs.get(tok) ?? []) {
            if (!seen.has(c)) {
              seen.add(c);
              next.push(c);
            }
          }
        }
      }
      frontier = next;
    }
    return [...seen];
  }
}

/** How an accessor macro of asm/kvm_hyp.h maps a base register name to the encoding it accesses (with VHE). */
interface Accessor {
  readonly macro: string;
  readonly suffix: string;
}

/**
 * The accessor macros, read from the tree's asm/kvm_hyp.h. VHE hyp code: `#define read_sysreg_el1(r)
 * read_sysreg_s(r##_EL12)` and friends; nVHE hyp code: `#define read_sysreg_el1(r) read_sysreg_elx(r, _EL1, _EL12)`,
 * whose first suffix is the nVHE encoding.
 */
export function hypAccessors(index: SourceIndex, nvhe: boolean): Accessor[] {
  const out: Accessor[] = [];
  const hyp = readFileSync(join(index.root, "arch/arm64/include/asm/kvm_hyp.h"), "utf8");
  const split = hyp.indexOf("#else // !__KVM_VHE_HYPERVISOR__");
  const at = split >= 0 ? split : hyp.indexOf("#else");
  if (!nvhe) {
    const vhe = hyp.slice(hyp.indexOf("__KVM_VHE_HYPERVISOR__"), at);
    for (const m of vhe.matchAll(/#define\s+((?:read|write)_sysreg_el[0-2])\([^)]*\)\s+\w+\([^#]*r##(_EL\d+)\)/g)) {
      out.push({ macro: m[1]!, suffix: m[2]! });
    }
  } else {
    for (const m of hyp.slice(at).matchAll(/#define\s+((?:read|write)_sysreg_el[0-2])\([^)]*\)\s+(?:read|write)_sysreg_elx\([^)]*?(_EL\d+)\s*,\s*_EL\d+\)/g)) {
      out.push({ macro: m[1]!, suffix: m[2]! });
    }
  }
  return out;
}

/**
 * A function-like macro that names the register it accesses by pasting an argument:
 * `#define __activate_fgt(hctxt, vcpu, reg) ... read_sysreg_s(SYS_ ## reg)` or
 * `#define __ptrauth_save_key(ctxt, key) ... read_sysreg_s(SYS_ ## key ## KEYLO_EL1)`.
 * A call with argument `arg` at `argIndex` accesses `arg + suffix`.
 */
export interface PastingAccessor {
  readonly macro: string;
  readonly argIndex: number;
  readonly suffix: string;
  readonly write: boolean;
}

/** The pasting accessors of the tree, read from its macros. */
export function pastingAccessors(index: SourceIndex): PastingAccessor[] {
  const out: PastingAccessor[] = [];
  const seen = new Set<string>();
  for (const [name, defs] of index.defs) {
    for (const d of defs) {
      const params = /^\(([^)]*)\)/.exec(d.body);
      if (!params) continue;
      const names = params[1]!.split(",").map((x) => x.trim());
      for (const m of d.body.matchAll(/\b(read|write)_sysreg(?:_s)?\s*\([^;]*?\bSYS_\s*##\s*(\w+)((?:\s*##\s*\w+)?)/g)) {
        const argIndex = names.indexOf(m[2]!);
        if (argIndex < 0) continue;
        const suffix = m[3]!.replace(/[\s#]/g, "");
        const key = `${name} ${argIndex} ${suffix} ${m[1]}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ macro: name, argIndex, suffix, write: m[1] === "write" });
      }
    }
  }
  return out;
}

/** the top-level arguments of every call `macro(...)` in `body` */
function callArgs(body: string, macro: string): string[][] {
  const out: string[][] = [];
  for (const m of body.matchAll(new RegExp(String.raw`\b${esc(macro)}\s*\(`, "g"))) {
    let depth = 1;
    let i = (m.index ?? 0) + m[0].length;
    const args: string[] = [];
    let cur = "";
    for (; i < body.length && depth > 0; i++) {
      const ch = body[i]!;
      if (ch === "(") depth++;
      else if (ch === ")" && --depth === 0) break;
      if (ch === "," && depth === 1) {
        args.push(cur.trim());
        cur = "";
      } else cur += ch;
    }
    args.push(cur.trim());
    out.push(args);
  }
  return out;
}

/** what the verifier reads of a path: its citations, its operations and the reasons for what cannot be verified */
export interface PathSource {
  readonly src: readonly Src[];
  readonly ops: readonly string[];
  readonly unverified?: Readonly<Record<string, string>>;
}

export type Status = "literal" | "alias" | "unverified" | "failed";

export interface Finding {
  readonly path: string;
  readonly op: string;
  readonly status: Status;
  /** where it was found, or why it could not be */
  readonly detail: string;
}

export interface Report {
  readonly root: string;
  readonly citations: number;
  readonly missingCitations: string[];
  /** architectural register names the model's table uses */
  readonly registerNames: number;
  /** of those, the ones the tree does not define */
  readonly unknownRegisters: string[];
  /** citations marked `outside` (generic kernel code beyond the tree): counted, not read */
  readonly outside: number;
  readonly findings: Finding[];
  readonly counts: Readonly<Record<Status, number>>;
}

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * The architectural registers a model register stands for: its `arch` list, or its own name. In the paths of an nVHE
 * guest hypervisor (nvhe*) the model writes the EL1 encodings it uses with the _EL12 names that carry their NV2 class,
 * and its ELR/SPSR_EL2 accesses (read_sysreg_el2 in nVHE code) with the _EL1 names that carry theirs (see those
 * paths' docs): there the encoding itself is also a candidate.
 */
function archNames(reg: SysRegName, nvhe: boolean): readonly string[] {
  const info = SYSREGS[reg] as { readonly arch?: readonly string[] };
  const names = info.arch ?? [reg];
  if (!nvhe) return names;
  return [...names, ...names.flatMap((n) => (n.endsWith("_EL12") ? [n.slice(0, -1)] : /^(?:ELR|SPSR)_EL1$/.test(n) ? [n.replace(/_EL1$/, "_EL2")] : []))];
}

/**
 * The spellings of an access to an architectural register, by direction, written directly (not through an accessor
 * whose encoding the tree's own macros decide): read_sysreg(a), read_sysreg_s(SYS_A), read_gicreg(A), an `mrs`, or
 * sysreg_clear_set (a read-modify-write); for writes the write_ and `msr` forms. A numbered family (DBGBCR<n>_EL1)
 * also by its token-pasted stem (save_debug(..., dbgbcr, n)).
 */
function accessPatterns(name: string, write: boolean): RegExp[] {
  const rw = write ? "write" : "read";
  if (name.includes("<n>")) {
    const [stem, suffix] = name.split("<n>") as [string, string];
    const low = stem.toLowerCase();
    return [
      new RegExp(String.raw`\b${rw}_sysreg(?:_s)?\s*\([^;]*\b(?:SYS_)?${esc(stem)}\d+${esc(suffix)}\b`, "i"),
      new RegExp(String.raw`\b(?:${write ? "restore" : "save"}_debug|${rw}_debug)\s*\([^;]*\b${esc(low)}\b`),
    ];
  }
  const id = String.raw`(?:SYS_${esc(name)}|${esc(name)}|${esc(name.toLowerCase())})`;
  const insn = write ? String.raw`\bmsr(?:_s)?\s+${id}\b` : String.raw`\bmrs(?:_s)?\s+[^,\n]+,\s*${id}\b`;
  return [
    new RegExp(String.raw`\b${rw}_(?:sysreg|sysreg_s|gicreg)\s*\([^;]*\b${id}\b`),
    new RegExp(insn),
    new RegExp(String.raw`\bsysreg_clear_set(?:_s)?\s*\(\s*${id}\b`),
  ];
}

/** Verifies every path of the model against the kernel tree at `root`. */
export function verifyKernel(root: string, depth = 3, paths: Readonly<Record<string, PathSource>> = PATH_DEFS): Report {
  const index = new SourceIndex(root);
  const vheAcc = hypAccessors(index, false);
  const nvheAcc = hypAccessors(index, true);
  const pasting = pastingAccessors(index);
  // macros and small inline functions whose body accesses a register directly: aliases of that access
  const users = new Map<string, string[]>();
  const usersOf = (name: string, write: boolean): string[] => {
    const key = `${write ? "W" : "R"} ${name}`;
    let u = users.get(key);
    if (!u) {
      const pats = accessPatterns(name, write);
      u = [];
      for (const [n, defs] of index.defs) {
        if (!/^[A-Za-z_]\w{2,}$/.test(n)) continue; // not local labels (1:, 2:)
        if (defs.some((d) => d.body.length < 3000 && pats.some((p) => p.test(d.body)))) u.push(n);
      }
      users.set(key, u);
    }
    return u;
  };
  const missing: string[] = [];
  let citations = 0;
  let outside = 0;
  const findings: Finding[] = [];
  for (const name of Object.keys(paths)) {
    const def = paths[name]!;
    const roots: Def[] = [];
    for (const s of def.src) {
      citations++;
      if (s.outside !== undefined) {
        outside++;
        continue;
      }
      const found = index.find(s.fn, s.file).filter((d) => d.file === s.file || !existsSync(join(root, s.file)));
      const inFile = (index.defs.get(s.fn) ?? []).filter((d) => d.file === s.file);
      if (inFile.length === 0) missing.push(`${name}: ${s.file} ${s.fn}`);
      roots.push(...(inFile.length > 0 ? inFile : found));
    }
    const scope = index.closure(roots, depth);
    const seenOps = new Set<string>();
    for (const spec of def.ops) {
      const op = parseOp(spec as never);
      if (seenOps.has(spec)) continue;
      if (op.kind === "isb" || op.kind === "dsb") {
        // a barrier: isb() / dsb(nsh) in C, isb / dsb sy in assembly, or a macro whose body issues it
        seenOps.add(spec);
        const p = new RegExp(String.raw`\b${op.kind}\b`);
        const d = scope.find((x) => p.test(x.body));
        const note = def.unverified?.[spec];
        findings.push({
          path: name,
          op: spec,
          status: d ? "literal" : note !== undefined ? "unverified" : "failed",
          detail: d ? `${op.kind} in ${d.name} (${d.file})` : (note ?? "not found in the cited functions or what they use, and no reason stated"),
        });
        continue;
      }
      if (op.kind !== "sysreg") continue;
      seenOps.add(spec);
      const note = def.unverified?.[spec] ?? def.unverified?.[`* ${op.reg}`];
      let status: Status = "failed";
      let detail = note ?? "not found in the cited functions or what they use, and no reason stated";
      const nvhe = name.startsWith("nvhe");
      const accessors = nvhe ? nvheAcc : vheAcc;
      search: for (const arch of archNames(op.reg, nvhe)) {
        // 1. a direct access in the cited functions, then in what they use (nearest first)
        for (const p of accessPatterns(arch, op.write)) {
          const d = scope.find((x) => p.test(x.body));
          if (d) {
            status = "literal";
            detail = `${arch} in ${d.name} (${d.file})`;
            break search;
          }
        }
        // 2. through an accessor macro of asm/kvm_hyp.h whose suffix, with VHE, makes this encoding
        const m = /^(\w+?)(_EL\d+)$/.exec(arch);
        if (m) {
          for (const a of accessors.filter((x) => x.suffix === m[2] && x.macro.startsWith(op.write ? "write" : "read"))) {
            const p = new RegExp(String.raw`\b${a.macro}\s*\([^;]*\bSYS_${esc(m[1]!)}\b`);
            const d = scope.find((x) => p.test(x.body));
            if (d) {
              status = "alias";
              detail = `${a.macro}(SYS_${m[1]}) in ${d.name} (${d.file}): asm/kvm_hyp.h makes it ${arch} in ${nvhe ? "nVHE" : "VHE"} hyp code`;
              break search;
            }
          }
        }
        // 3. through a macro that pastes the register's name from an argument
        for (const a of pasting.filter((x) => x.write === op.write && arch.endsWith(x.suffix) && arch.length > x.suffix.length)) {
          const arg = arch.slice(0, arch.length - a.suffix.length);
          const d = scope.find((x) => x.name !== a.macro && callArgs(x.body, a.macro).some((args) => args[a.argIndex] === arg));
          if (d) {
            status = "alias";
            detail = `${a.macro}(..., ${arg}) in ${d.name} (${d.file}): the macro accesses SYS_ ## ${arg}${a.suffix ? ` ## ${a.suffix}` : ""}`;
            break search;
          }
        }
        // 4. through a macro or inline function that itself accesses it directly
        for (const u of usersOf(arch, op.write)) {
          const p = new RegExp(String.raw`\b${esc(u)}\b`);
          const d = scope.find((x) => x.name !== u && p.test(x.body));
          if (d) {
            status = "alias";
            detail = `${u} (which accesses ${arch}) in ${d.name} (${d.file})`;
            break search;
          }
        }
      }
      if (status === "failed" && note !== undefined) status = "unverified";
      findings.push({ path: name, op: spec, status, detail });
    }
  }
  // the steps' and the handlers' citations: each function defined in the file named
  if (paths === PATH_DEFS) {
    const cited: [string, readonly Src[]][] = [
      ...Object.entries(STEP_SOURCES).map(([n, c]): [string, readonly Src[]] => [`step ${n}`, c.src]),
      ...Object.entries(HANDLER_SOURCES).map(([n, c]): [string, readonly Src[]] => [`handler ${n}`, c.src]),
    ];
    for (const [who, src] of cited) {
      for (const s of src) {
        citations++;
        if (s.outside !== undefined) {
          outside++;
          continue;
        }
        if (!(index.defs.get(s.fn) ?? []).some((d) => d.file === s.file)) missing.push(`${who}: ${s.file} ${s.fn}`);
      }
    }
  }
  // every architectural name the model uses is a register the tree defines (arch/arm64/tools/sysreg, asm/sysreg.h)
  const defined = registerNames(root);
  const allNames = [...new Set(Object.keys(SYSREGS).flatMap((r) => archNames(r as SysRegName, false)))];
  const unknownRegisters = allNames
    .filter((n) => !defined.has(n.replace("<n>", "n")))
    // a special-purpose register the assembler knows by name (sp_el0, daif): accessed by that name somewhere in the tree
    .filter((n) => {
      const pats = [...accessPatterns(n, false), ...accessPatterns(n, true)];
      return ![...index.defs.values()].some((defs) => defs.some((d) => pats.some((p) => p.test(d.body))));
    })
    .sort();
  const counts = { literal: 0, alias: 0, unverified: 0, failed: 0 } as Record<Status, number>;
  for (const f of findings) counts[f.status]++;
  return { root, citations, outside, missingCitations: missing, registerNames: allNames.length, unknownRegisters, findings, counts };
}

/**
 * The system registers a kernel tree defines: the `Sysreg` entries of arch/arm64/tools/sysreg (from which the build
 * generates the SYS_ encodings) and the `#define SYS_...` of asm/sysreg.h.
 */
export function registerNames(root: string): Set<string> {
  const out = new Set<string>();
  const tools = join(root, "arch/arm64/tools/sysreg");
  if (existsSync(tools)) for (const m of readFileSync(tools, "utf8").matchAll(/^Sysreg\s+(\w+)/gm)) out.add(m[1]!);
  const hdr = join(root, "arch/arm64/include/asm/sysreg.h");
  if (existsSync(hdr)) for (const m of readFileSync(hdr, "utf8").matchAll(/^#define\s+SYS_(\w+?_EL\d+)\b/gm)) out.add(m[1]!);
  return out;
}

/** is `dir` a kernel tree the verifier can read */
export function isKernelTree(dir: string): boolean {
  return existsSync(join(dir, "arch/arm64/kvm")) && statSync(join(dir, "arch/arm64/kvm")).isDirectory();
}

export interface Specificity {
  /** accesses injected: every register the model knows, read and written, into every path that accesses any */
  readonly injected: number;
  /** of those, how many the verifier would accept (found in the cited code, so unable to tell they are wrong) */
  readonly accepted: number;
  /** accepted per path, for the paths whose citations cover most */
  readonly byPath: Readonly<Record<string, number>>;
}

/**
 * How much the check can catch: each path, given an access it does not make, should fail. An accepted injection
 * is an access the cited code (or what it uses) can make under some configuration the path does not model, so
 * presence alone cannot reject it; the order and the conditions are what the golden tests and the second reading check.
 */
export function specificity(root: string, depth = 3): Specificity {
  const paths: Record<string, PathSource> = {};
  for (const [name, def] of Object.entries(PATH_DEFS) as [string, PathSource][]) {
    const have = new Set(def.ops.filter((o) => /^[RW] /.test(o)));
    if (have.size === 0) continue;
    for (const reg of Object.keys(SYSREGS)) {
      for (const dir of ["R", "W"]) {
        const op = `${dir} ${reg}`;
        if (!have.has(op)) paths[`${name} ${op}`] = { src: def.src, ops: [op] };
      }
    }
  }
  const r = verifyKernel(root, depth, paths);
  const byPath: Record<string, number> = {};
  let accepted = 0;
  for (const f of r.findings) {
    if (f.status === "failed") continue;
    accepted++;
    const p = f.path.split(" ")[0]!;
    byPath[p] = (byPath[p] ?? 0) + 1;
  }
  return { injected: r.findings.length, accepted, byPath };
}

/** The block docs/fidelity.md quotes between `<!-- verify: counts -->` and `<!-- /verify -->`. */
export function renderVerifyBlock(r: Report, s: Specificity): string {
  const pct = (n: number, d: number): string => `${((100 * n) / d).toFixed(1)}%`;
  const lines = [
    `- citations: ${r.citations}; missing from the cited file: ${r.missingCitations.length} ` +
      `(${r.outside} cite generic kernel code outside the tree, with the reason, and are not read)`,
    `- register names: ${r.registerNames - r.unknownRegisters.length} of the ${r.registerNames} architectural names the model uses are defined by the tree` +
      (r.unknownRegisters.length > 0 ? `; not: ${r.unknownRegisters.join(", ")}` : ""),
    `- accesses (system registers and barriers) verified literally: ${r.counts.literal}`,
    `- verified through an alias derived from the tree: ${r.counts.alias}`,
    `- not verified, with a stated reason: ${r.counts.unverified}`,
    `- not verified, without one: ${r.counts.failed}`,
    `- specificity: of ${s.injected} injected accesses no path makes, ${s.injected - s.accepted} rejected and ${s.accepted} ` +
      `accepted (${pct(s.accepted, s.injected)}); most accepted in ` +
      Object.entries(s.byPath)
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .slice(0, 4)
        .map(([p, n]) => `\`${p}\` (${n})`)
        .join(", "),
  ];
  for (const f of r.findings.filter((x) => x.status === "unverified")) lines.push(`- unverified: \`${f.path}\` ${f.op}: ${f.detail}`);
  return lines.join("\n");
}
