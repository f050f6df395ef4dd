"use strict";
// Entry of a sweep worker thread. Node cannot start a .ts file as a worker (nor can tslab, see TOOLCHAIN.md), so this
// plain CommonJS file registers tsx's CommonJS hook and then loads the TypeScript worker module beside it.
require("tsx/cjs");
require("./worker.ts");
