#!/usr/bin/env node
"use strict";
/**
 * The nestlab kernel: tslab's kernel (`tslab kernel --config-path <connection file>`) started from the PROJECT ROOT,
 * whatever folder Jupyter starts it in, so that every notebook imports the library the same way (`from "./lib/index"`):
 * tslab resolves imports and sets its rootDir from the working directory.
 * Usage (kernel.json argv): node kernel/launch.cjs kernel --config-path {connection_file}
 */
const { ROOT, tslab } = require("./tslab.cjs");

process.chdir(ROOT);
const { main } = tslab();
// startKernel looks for a "local" tslab under the working directory first: that is this same install (ROOT).
// tslab's own CLI parses process.argv: [node, script, "kernel", "--config-path", file]
main.main();
