import { parentPort } from "node:worker_threads";
import { evaluateConfig, limitOf } from "./evaluate";
import type { PoolReply, PoolTask } from "./pool";

/** An explain worker thread: evaluates the configurations it is sent, one at a time. */
const port = parentPort;
if (!port) throw new Error("lib/explain/worker.ts runs only as a worker thread (through worker.cjs)");
port.on("message", (t: PoolTask) => {
  let reply: PoolReply;
  try {
    reply = { id: t.id, ok: true, evaluation: evaluateConfig(t.options) };
  } catch (e) {
    const limit = limitOf(e);
    reply = limit !== undefined ? { id: t.id, ok: false, limit } : { id: t.id, ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  port.postMessage(reply);
});
