import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { projectRoot } from "../util/root";
import { isKernelTree, renderVerifyBlock, specificity, verifyKernel } from "./verify";

/**
 * `npm run verify:kernel [-- DIR]`: the model's citations against a kernel tree (default: the pinned reference tree,
 * ../shared/reference/linux-7.3-rc7 beside the project). Prints the table (path, access, status, where or why) and the
 * three counts; exits 1 when a cited function is missing or an access is unverified without a reason, 2 when DIR is
 * not a kernel tree, 0 otherwise. `--quiet` prints only the counts and the problems; `--specificity` also injects
 * every access a path does not make and says how many the check would have let through; `--doc` rewrites the block
 * docs/fidelity.md quotes (test/kvm/verify.test.ts keeps it true).
 */
function main(): number {
  const args = process.argv.slice(2).filter((a) => !["--quiet", "--specificity", "--doc"].includes(a));
  const quiet = process.argv.includes("--quiet");
  const dir = resolve(args[0] ?? join(projectRoot(), "..", "shared", "reference", "linux-7.3-rc7"));
  if (!isKernelTree(dir)) {
    process.stderr.write(`verify:kernel: ${dir} is not a kernel tree (no arch/arm64/kvm): nothing verified\n`);
    return 2;
  }
  const t0 = Date.now();
  const r = verifyKernel(dir);
  const lines: string[] = [];
  if (!quiet) {
    lines.push("| path | access | status | where, or why not |", "|---|---|---|---|");
    for (const f of r.findings) lines.push(`| ${f.path} | ${f.op} | ${f.status} | ${f.detail} |`);
    lines.push("");
  }
  for (const m of r.missingCitations) lines.push(`missing citation: ${m}`);
  for (const n of r.unknownRegisters) lines.push(`register not defined by the tree: ${n}`);
  if (quiet) for (const f of r.findings.filter((x) => x.status === "failed")) lines.push(`unverified without a reason: ${f.path}: ${f.op}`);
  lines.push(
    `${dir}: ${r.citations} citations (${r.citations - r.outside - r.missingCitations.length} found, ${r.outside} outside the tree); accesses verified literally ${r.counts.literal}, ` +
      `through derived aliases ${r.counts.alias}, not verified with a reason ${r.counts.unverified}, without one ${r.counts.failed} ` +
      `(${((Date.now() - t0) / 1000).toFixed(1)} s)`,
  );
  if (process.argv.includes("--specificity")) {
    const s = specificity(dir);
    const top = Object.entries(s.byPath).sort((a, b) => b[1] - a[1]).slice(0, 5).map(([p, n]) => `${p} ${n}`);
    lines.push(
      `specificity: ${s.injected} accesses injected into the paths that do not make them; ${s.injected - s.accepted} rejected, ` +
        `${s.accepted} accepted (${((100 * s.accepted) / s.injected).toFixed(1)}%: the cited code can make them under some configuration; most in ${top.join(", ")})`,
    );
  }
  if (process.argv.includes("--doc")) {
    const doc = join(projectRoot(), "docs", "fidelity.md");
    const text = readFileSync(doc, "utf8");
    const block = renderVerifyBlock(r, specificity(dir));
    const next = text.replace(/(<!-- verify: counts -->\n)[\s\S]*?(<!-- \/verify -->)/, `$1${block}\n$2`);
    writeFileSync(`${doc}.tmp`, next);
    renameSync(`${doc}.tmp`, doc);
    lines.push(`docs/fidelity.md: the verify block rewritten`);
  }
  process.stdout.write(lines.join("\n") + "\n");
  return r.missingCitations.length > 0 || r.unknownRegisters.length > 0 || r.counts.failed > 0 ? 1 : 0;
}

process.exitCode = main();
