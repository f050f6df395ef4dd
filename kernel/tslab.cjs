"use strict";
/**
 * Loads tslab (from the project's node_modules) so that it compiles notebook cells and the project modules they
 * import with `strict: true`, as the project itself is checked (`npm run typecheck:tslab`, same TypeScript 5.0.4).
 *
 * Why: tslab's converter compiles with TypeScript's defaults (strict off). Without strictNullChecks, narrowing a
 * union on a boolean discriminant (`if (!reply.ok) reply.error`) does not compile, so strict-clean library code can
 * fail to import. tslab reads no tsconfig; the one seam is the compiler options it passes to
 * `ts.createWatchCompilerHost`, which we extend by handing tslab's converter a view of the compiler module.
 */
const Module = require("node:module");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const TS_ID = "@tslab/typescript-for-tslab";
/** Added to tslab's compiler options (cells and imported project files). */
const EXTRA_OPTIONS = Object.freeze({ strict: true });

let installed = false;

function compilerView(ts) {
  const view = {};
  function createWatchCompilerHost(rootFiles, options, ...rest) {
    return ts.createWatchCompilerHost(rootFiles, { ...options, ...EXTRA_OPTIONS }, ...rest);
  }
  for (const k of Object.keys(ts)) {
    const get = k === "createWatchCompilerHost" ? () => createWatchCompilerHost : () => ts[k];
    Object.defineProperty(view, k, { enumerable: true, get });
  }
  return view;
}

function install() {
  if (installed) return;
  installed = true;
  const tslabDist = path.dirname(require.resolve("tslab/dist/converter.js", { paths: [ROOT] }));
  const ts = require(require.resolve(TS_ID, { paths: [tslabDist] }));
  const view = compilerView(ts);
  const load = Module._load;
  Module._load = function (request, parent, isMain) {
    if (request === TS_ID && parent && parent.filename && path.dirname(parent.filename) === tslabDist && path.basename(parent.filename) === "converter.js") {
      return view;
    }
    return load.call(this, request, parent, isMain);
  };
}

/** tslab's modules, with the strict compiler options in place. */
function tslab() {
  install();
  const r = (id) => require(require.resolve(id, { paths: [ROOT] }));
  return {
    main: r("tslab/dist/main.js"),
    converter: r("tslab/dist/converter.js"),
    executor: r("tslab/dist/executor.js"),
    jupyter: r("tslab/dist/jupyter.js"),
  };
}

module.exports = { ROOT, EXTRA_OPTIONS, tslab };
