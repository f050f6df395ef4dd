#!/usr/bin/env node
"use strict";
// nestlab CLI launcher: registers tsx's CommonJS hook so the TypeScript sources
// under lib/ run directly on Node 20, then hands argv to lib/cli/main.ts, whose
// main(argv) returns an exit code (number or Promise<number>).
function run() {
  require("tsx/cjs");
  const { main } = require("./main.ts");
  return main(process.argv.slice(2));
}

// new Promise(...) also routes synchronous throws (e.g. a failed require) to the handler below.
new Promise((resolve) => resolve(run())).then(
  (code) => {
    process.exitCode = typeof code === "number" ? code : 0;
  },
  (err) => {
    console.error((err && err.stack) || String(err));
    process.exitCode = 1;
  },
);
