/**
 * `npm run bench`: engine performance figures, as one JSON object on stdout.
 *  - exact engine: L0 traps stepped per second with no listener, and with a no-op listener attached (the cost of
 *    instrumentation when someone listens; with nobody listening emission is a single field test);
 *  - fast engine: leaf events per second and time per leaf event at depth 1..8 (NV2 on and off);
 *  - one simulated second of depth-4 io-heavy at 20k I/O exits/s without NV2 (the target) and with NV2;
 *  - peak RSS.
 * Targets live here, not in tests (timings vary by machine).
 */
import { Machine } from "../lib/engine/machine";
import { defaultModelConfig } from "../lib/kvm/config";
import { LimitError } from "../lib/util/errors";
import { runWorkload } from "../lib/run/run";
import { PROFILES } from "../lib/workload/profiles";

function time<T>(f: () => T): [T, number] {
  const t0 = process.hrtime.bigint();
  const r = f();
  return [r, Number(process.hrtime.bigint() - t0) / 1e9];
}

function exactTrapsPerSecond(listener: boolean): number {
  const m = new Machine(defaultModelConfig({ depth: 5, patch: [] }));
  if (listener) m.listener = () => {};
  const [, s] = time(() => {
    for (let i = 0; i < 6; i++) {
      m.leafFp();
      m.leafTrap({ ec: "DABT_LOW", reason: "mmio-user" });
    }
  });
  return m.counters[0]!.l0Traps / s;
}

function perLeafEvent(depth: number, nv2: boolean): { depth: number; nv2: boolean; usPerLeafEvent: number; l0TrapsPerLeafEvent: number; warmupMs: number } {
  const m = new Machine(defaultModelConfig({ depth, nv2, patch: [] }));
  m.memo = true;
  const event = (i: number): void => {
    if (i % 2 === 0) m.leafFp();
    if (i % 3 === 0) m.leafTrap({ ec: "DABT_LOW", reason: "mmio-user" });
    else if (i % 3 === 1) m.leafTrap({ ec: "HVC64", reason: "hvc" });
    else m.leafIrq("irq-timer");
  };
  const [, warm] = time(() => {
    for (let i = 0; i < 12; i++) event(i);
  });
  const n = 60_000;
  const before = m.leafExits;
  m.drain();
  let traps = 0;
  const [, s] = time(() => {
    for (let i = 0; i < n; i++) {
      event(i);
      if (m.cycles > 2 ** 50) traps += m.drain().counters[0]!.l0Traps;
    }
    traps += m.drain().counters[0]!.l0Traps;
  });
  const exits = m.leafExits - before;
  return { depth, nv2, usPerLeafEvent: (s / exits) * 1e6, l0TrapsPerLeafEvent: traps / exits, warmupMs: warm * 1000 };
}

function oneSecond(depth: number, nv2: boolean): { depth: number; nv2: boolean; ms: number; outcome: string } {
  try {
    const [r, s] = time(() =>
      runWorkload({
        model: defaultModelConfig({ depth, nv2 }),
        profile: PROFILES["io-heavy"]!,
        ioRate: 20000,
        durationMs: 1000,
        seed: 1,
        clockGhz: 3,
        hostPreemptRate: 0,
        hostNeonRate: 0,
      }),
    );
    return { depth, nv2, ms: s * 1000, outcome: `${r.seconds.toFixed(2)} simulated s, ${r.l0Traps} L0 traps` };
  } catch (e) {
    if (e instanceof LimitError) return { depth, nv2, ms: NaN, outcome: e.message };
    throw e;
  }
}

const exactNoListener = exactTrapsPerSecond(false);
const exactListener = exactTrapsPerSecond(true);
const levels = [];
for (let d = 1; d <= 8; d++) levels.push(perLeafEvent(d, true));
for (let d = 1; d <= 8; d++) levels.push(perLeafEvent(d, false));
const out = {
  node: process.version,
  exactEngine: {
    l0TrapsPerSecond: Math.round(exactNoListener),
    l0TrapsPerSecondWithListener: Math.round(exactListener),
  },
  fastEngine: levels.map((l) => ({ ...l, usPerLeafEvent: +l.usPerLeafEvent.toFixed(3), l0TrapsPerLeafEvent: Math.round(l.l0TrapsPerLeafEvent), warmupMs: +l.warmupMs.toFixed(1) })),
  oneSecondIoHeavy20k: [oneSecond(4, false), oneSecond(4, true), oneSecond(3, false)].map((x) => ({ ...x, ms: +x.ms.toFixed(1) })),
  peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
};
process.stdout.write(JSON.stringify(out, null, 2) + "\n");
