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
const { main, jupyter } = tslab();
// tslab binds its five sockets asynchronously while already reading shell and control. A request that arrives before
// the binds settle (Jupyter connects at once; a loaded machine widens the window) is read, but the reply, or the next
// read, meets zeromq's "Socket is blocked by a bind or unbind operation" (EBUSY): the reading loop dies and the kernel
// never answers (nbclient: "Kernel didn't respond in 60 seconds"). Binding synchronously leaves no such window: every
// socket is bound before the first message can be handled.
jupyter.ZmqServer.prototype.bindSocket = async function bindSocket(sock, port) {
  sock.bindSync(`${this.connInfo.transport}://${this.connInfo.ip}:${port}`);
};
// startKernel looks for a "local" tslab under the working directory first: that is this same install (ROOT).
// tslab's own CLI parses process.argv: [node, script, "kernel", "--config-path", file]
main.main();
