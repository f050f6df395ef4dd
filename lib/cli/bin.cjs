#!/usr/bin/env node
"use strict";
// nestlab CLI launcher: runs the compiled build (dist/cli.cjs, made by lib/cli/build.cjs on `npm ci`), rebuilding it
// first when the sources under lib/ changed since (a stale build never runs silently), then hands argv to main(argv),
// which returns an exit code (number or Promise<number>).
function run() {
  const { DIST, ensureBuild } = require("./build.cjs");
  ensureBuild();
  process.setSourceMapsEnabled(true); // stack traces name the TypeScript sources
  const { main } = require(require("node:path").join(DIST, "cli.cjs"));
  return main(process.argv.slice(2));
}

// new Promise(...) also routes synchronous throws (e.g. a failed build) to the handler below.
new Promise((resolve) => resolve(run())).then(
  (code) => {
    process.exitCode = typeof code === "number" ? code : 0;
  },
  (err) => {
    // a build that cannot be made is one line; anything else is an internal error with its stack
    console.error(err && err.code === "NESTLAB_BUILD" ? err.message : (err && err.stack) || String(err));
    process.exitCode = 1;
  },
);
