"use strict";
// Entry of an explain worker thread: plain CommonJS (Node runs a worker file as JavaScript, also inside tslab), which
// registers tsx's CommonJS hook and loads the TypeScript worker beside it (as lib/sweep/worker.cjs does).
require("tsx/cjs");
require("./worker.ts");
