"use strict";
/**
 * The compiled build: esbuild bundles of the command line (dist/cli.cjs), the sweep worker (dist/worker.cjs) and the
 * benchmarks (dist/bench/*.cjs), each one file with the library inside (npm packages stay external), with source maps
 * so stack traces name the TypeScript sources. Notebooks do not use it: they import lib/ through tslab.
 *
 * A build records a hash of everything it was made from (every .ts and .cjs file under lib/ and bench/, package.json,
 * tsconfig.json and this file) in dist/build.json. Whoever runs built code first calls ensureBuild(), which rebuilds
 * when that hash no longer matches the sources (saying so on stderr), so a stale build never runs silently; when the
 * rebuild is impossible (dist/ not writable, esbuild missing) it refuses with a message.
 *
 *   node lib/cli/build.cjs           build if stale (npm's `prepare`, run by `npm ci`)
 *   node lib/cli/build.cjs --force   build
 *   node lib/cli/build.cjs --check   exit 1 if stale, printing why
 */
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");
const { modelSourcesHash } = require("../util/model-id.cjs");

const ROOT = path.resolve(__dirname, "..", "..");
const DIST = path.join(ROOT, "dist");
const INFO = path.join(DIST, "build.json");

/** what each bundle is made from (entry, relative to the root) */
const ENTRIES = {
  "cli.cjs": "lib/cli/main.ts",
  "worker.cjs": "lib/sweep/worker.ts",
  "explain-worker.cjs": "lib/explain/worker.ts",
  "bench/engine.cjs": "bench/engine.ts",
  "bench/sweep.cjs": "bench/sweep.ts",
};

/** esbuild options shared by every bundle (also by bench/engine.ts's build of a base commit) */
const BUNDLE_OPTIONS = Object.freeze({
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  packages: "external",
  sourcemap: "linked",
  sourcesContent: false,
  logLevel: "silent",
});

function listSources(dir, out) {
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== "node_modules") listSources(p, out);
    } else if (e.name.endsWith(".ts") || e.name.endsWith(".cjs")) out.push(p);
  }
}

/** sha256 over the path and contents of every input of the build */
function sourceHash(root = ROOT) {
  const files = [];
  listSources(path.join(root, "lib"), files);
  listSources(path.join(root, "bench"), files);
  files.push(path.join(root, "package.json"), path.join(root, "tsconfig.json"), __filename);
  const unique = [...new Set(files)].sort();
  files.length = 0;
  files.push(...unique);
  const h = crypto.createHash("sha256");
  for (const f of files) {
    h.update(path.relative(root, f));
    h.update("\0");
    h.update(fs.readFileSync(f));
    h.update("\0");
  }
  return h.digest("hex");
}

function readInfo() {
  try {
    return JSON.parse(fs.readFileSync(INFO, "utf8"));
  } catch {
    return undefined;
  }
}

/** why the build is stale, or undefined when it is fresh */
function staleness(hash = sourceHash()) {
  const info = readInfo();
  if (!info) return "no build in dist/";
  if (info.hash !== hash) return "sources changed since the last build";
  for (const out of Object.keys(ENTRIES)) if (!fs.existsSync(path.join(DIST, out))) return `dist/${out} is missing`;
  return undefined;
}

/** writes a file atomically (a unique temporary name in the same directory, then a rename) */
function writeAtomic(file, data) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString("hex")}.tmp`;
  fs.writeFileSync(tmp, data, { flag: "wx" });
  fs.renameSync(tmp, file);
}

/** Bundles every entry; returns the build info written to dist/build.json. */
function build(hash = sourceHash()) {
  const esbuild = require("esbuild");
  const started = Date.now();
  const modelHash = modelSourcesHash(ROOT);
  for (const [out, entry] of Object.entries(ENTRIES)) {
    const outfile = path.join(DIST, out);
    const r = esbuild.buildSync({
      ...BUNDLE_OPTIONS,
      entryPoints: [path.join(ROOT, entry)],
      outfile,
      write: false,
      absWorkingDir: ROOT,
      define: { "process.env.NESTLAB_BUILD_HASH": JSON.stringify(hash), __NESTLAB_MODEL_HASH__: JSON.stringify(modelHash) },
    });
    // the map first, so that a reader who sees the new bundle finds its map
    for (const f of [...r.outputFiles].sort((a, b) => (a.path.endsWith(".map") ? -1 : b.path.endsWith(".map") ? 1 : 0))) {
      writeAtomic(f.path, f.contents);
    }
  }
  const info = { hash, model: modelHash, builtMs: Date.now() - started, entries: ENTRIES, esbuild: require("esbuild/package.json").version };
  writeAtomic(INFO, JSON.stringify(info, null, 2) + "\n");
  return info;
}

/**
 * Makes sure dist/ holds a build of the current sources: rebuilds when stale (one line on stderr), throws an Error with
 * the reason when it cannot. Returns the hash of the build.
 */
function ensureBuild() {
  const hash = sourceHash();
  const why = staleness(hash);
  if (why === undefined) return hash;
  try {
    const info = build(hash);
    if (why !== "no build in dist/") process.stderr.write(`nestlab: ${why}: rebuilt dist/ (${info.builtMs} ms)\n`);
    return hash;
  } catch (e) {
    const reason = String(e && e.message ? e.message : e).split("\n")[0];
    const err = new Error(`nestlab: the build in dist/ is stale (${why}) and could not be rebuilt: ${reason}; run \`npm run build\``);
    err.code = "NESTLAB_BUILD";
    throw err;
  }
}

module.exports = { ROOT, DIST, ENTRIES, BUNDLE_OPTIONS, sourceHash, staleness, build, ensureBuild };

if (require.main === module) {
  const arg = process.argv[2];
  if (arg === "--check") {
    const why = staleness();
    if (why) {
      process.stderr.write(`build: stale: ${why}\n`);
      process.exitCode = 1;
    }
  } else if (arg === "--force") {
    const info = build();
    process.stderr.write(`build: dist/ built in ${info.builtMs} ms\n`);
  } else if (arg === undefined) {
    const why = staleness();
    if (why) {
      const info = build();
      // the first build after a clone is the normal case, not a warning
      process.stderr.write(why === "no build in dist/" ? `build: dist/ built in ${info.builtMs} ms (the command line's compiled bundle)\n` : `build: ${why}: dist/ rebuilt in ${info.builtMs} ms\n`);
    }
  } else {
    process.stderr.write(`build: unknown argument ${arg} (accepted: --check, --force, or none)\n`);
    process.exitCode = 2;
  }
}
