"use strict";
// Entry of a sweep worker thread. Node runs a worker file as plain JavaScript, so a .ts worker fails (also inside
// tslab; see docs/runs.md "Sweeps"): this plain CommonJS file registers tsx's CommonJS hook and then loads the
// TypeScript worker module beside it.
require("tsx/cjs");
require("./worker.ts");
