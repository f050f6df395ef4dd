import { parentPort, workerData } from "node:worker_threads";
import type { Costs } from "../costs/table";
import { runPoint } from "./point";
import { BUILD_HASH } from "./pool";
import type { PoolInit, PoolReply, PoolTask } from "./pool";

/** A sweep worker thread: runs the tasks it is sent, one at a time, and replies with each row. */
const init = workerData as PoolInit;
const base = init.base as Costs;
const profiles = new Map(Object.entries(init.profiles));
const port = parentPort;
if (!port) throw new Error("lib/sweep/worker.ts runs only as a worker thread (through worker.cjs)");
if (init.build !== BUILD_HASH) {
  throw new Error(`sweep worker from another build (${BUILD_HASH ?? "sources"}) than its pool (${init.build ?? "sources"}): rebuilt during the sweep?`);
}
port.on("message", (t: PoolTask) => {
  let reply: PoolReply;
  try {
    reply = { ok: true, run: t.run, row: runPoint(t, init.columns, base, profiles) };
  } catch (e) {
    reply = { ok: false, run: t.run, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  port.postMessage(reply);
});
