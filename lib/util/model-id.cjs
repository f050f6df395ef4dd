"use strict";
/**
 * The model's identity (docs/runs.md "Model identity"): a hash of the sources whose behaviour a sweep's results depend
 * on, so that results of one model are never mixed with another's (--resume, merge). Kept in CommonJS so that the build
 * (lib/cli/build.cjs, which bakes the hash into dist/) and the TypeScript sources (lib/sweep/identity.ts: vitest, tsx,
 * notebooks through tslab) compute it with the same code.
 *
 * The sources: every .ts file under MODEL_DIRS and the MODEL_FILES; together they hold every module a sweep point's
 * run imports (lib/sweep/point.ts and its import closure; test/sweep/identity.test.ts checks that with esbuild), plus
 * the planning of a grid (lib/sweep/grid.ts: point order, seeds, forbidden combinations). The pinned kernel release
 * is in lib/kvm/kernel.ts, one of them.
 */
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const MODEL_DIRS = ["lib/arch", "lib/changes", "lib/kvm", "lib/engine", "lib/costs", "lib/workload", "lib/run", "lib/micro", "lib/oracle"];
const MODEL_FILES = [
  "lib/sweep/axes.ts",
  "lib/sweep/grid.ts",
  "lib/sweep/point.ts",
  "lib/sweep/rows.ts",
  "lib/trace/emit.ts",
  "lib/trace/tracepoints.ts",
  "lib/util/errors.ts",
  "lib/util/json.ts",
  "lib/util/text.ts",
  "lib/util/values.ts",
];

function walk(dir, out) {
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.name.endsWith(".ts")) out.push(p);
  }
}

/** the model's source files, relative to `root` with '/' separators, sorted */
function modelSources(root) {
  const files = [];
  for (const d of MODEL_DIRS) walk(path.join(root, d), files);
  for (const f of MODEL_FILES) files.push(path.join(root, f));
  return [...new Set(files.map((f) => path.relative(root, f).split(path.sep).join("/")))].sort();
}

/** sha256 (first 16 hex digits) over each model source's path and contents */
function modelSourcesHash(root) {
  const h = crypto.createHash("sha256");
  for (const rel of modelSources(root)) {
    h.update(rel);
    h.update("\0");
    h.update(fs.readFileSync(path.join(root, rel)));
    h.update("\0");
  }
  return h.digest("hex").slice(0, 16);
}

module.exports = { MODEL_DIRS, MODEL_FILES, modelSources, modelSourcesHash };
