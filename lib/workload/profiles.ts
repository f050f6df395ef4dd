import { ConfigError } from "../util/errors";
import { didYouMean, nearest } from "../util/text";

/**
 * A leaf guest's workload: rates of the events its work causes, per second of its WORK time (native execution), and
 * how often its compute slices touch FP/SIMD. Timer ticks follow simulated wall time (they are not work).
 */
export interface WorkloadProfile {
  readonly name: string;
  readonly description: string;
  /** I/O exits per second of work time (MMIO doorbells / register accesses) */
  readonly ioRate: number;
  /** fraction of I/O exits emulated by the leaf's hypervisor's userspace VMM (the rest in its kernel) */
  readonly ioUserFraction: number;
  /** fraction of I/O exits followed by a completion interrupt into the leaf */
  readonly ioIrqFraction: number;
  /** IPIs the leaf sends per second of work time */
  readonly ipiRate: number;
  /** stage-2 faults on RAM per second of work time */
  readonly s2FaultRate: number;
  /** idle entries (WFI) per second of work time */
  readonly wfiRate: number;
  /** probability that a compute slice between two exits uses FP/SIMD */
  readonly fpUse: number;
  /** the leaf kernel's timer tick (Hz, wall time) */
  readonly timerHz: number;
  /** why these numbers */
  readonly reasoning: string;
}

type Numeric = Exclude<keyof WorkloadProfile, "name" | "description" | "reasoning">;

/** Accepted range of each numeric field. */
export const PROFILE_FIELDS: Record<Numeric, { min: number; max: number; help: string }> = {
  ioRate: { min: 0, max: 1e6, help: "I/O exits per second of work time" },
  ioUserFraction: { min: 0, max: 1, help: "fraction of I/O exits handled by the userspace VMM" },
  ioIrqFraction: { min: 0, max: 1, help: "fraction of I/O exits followed by a completion interrupt" },
  ipiRate: { min: 0, max: 1e6, help: "IPIs sent per second of work time" },
  s2FaultRate: { min: 0, max: 1e6, help: "stage-2 faults per second of work time" },
  wfiRate: { min: 0, max: 1e6, help: "WFI idle entries per second of work time" },
  fpUse: { min: 0, max: 1, help: "probability a compute slice uses FP/SIMD" },
  timerHz: { min: 0, max: 10000, help: "leaf timer tick in Hz (wall time)" },
};

/**
 * Named profiles. The numbers are engineering estimates, stated with their reasoning; none is fitted to a nested
 * result. Vary them (custom JSON profile, --io-rate) rather than trusting them.
 */
export const PROFILES: Record<string, WorkloadProfile> = {
  "io-heavy": {
    name: "io-heavy",
    description: "random 4 KiB block I/O through an emulated virtio device (fio-like)",
    ioRate: 20000,
    ioUserFraction: 0.5,
    ioIrqFraction: 0.5,
    ipiRate: 1000,
    s2FaultRate: 50,
    wfiRate: 500,
    fpUse: 0.5,
    timerHz: 250,
    reasoning:
      "A virtio-blk queue notify is one MMIO exit per request and completions interrupt the guest; a fio random-read " +
      "job at ~10k IOPS per vcpu gives ~20k exits/s with notify and config accesses. Half are emulated in the VMM " +
      "(QEMU's virtio without vhost/ioeventfd), half in kernel (ioeventfd, vgic). Half of the slices between exits run " +
      "userspace or kernel code that uses SIMD (libc memcpy/memset, checksums). HZ=250 as Debian's kernel.",
  },
  "debian-install": {
    name: "debian-install",
    description: "the Debian installer: package download, unpacking, dpkg configure (mixed I/O and CPU)",
    ioRate: 5000,
    ioUserFraction: 0.7,
    ioIrqFraction: 0.6,
    ipiRate: 2000,
    s2FaultRate: 1000,
    wfiRate: 300,
    fpUse: 0.8,
    timerHz: 250,
    reasoning:
      "The installer alternates network download (virtio-net), decompression and disk writes: a few thousand I/O " +
      "exits per second, mostly emulated devices in the VMM; many short-lived processes (dpkg, shell) fault memory in " +
      "(stage-2 faults) and wake each other across vcpus (IPIs). Userspace string/memory routines use SIMD in most " +
      "slices. HZ=250.",
  },
  compute: {
    name: "compute",
    description: "CPU-bound FP/SIMD work (compilers, compression) with rare exits",
    ioRate: 100,
    ioUserFraction: 0.5,
    ioIrqFraction: 0.5,
    ipiRate: 50,
    s2FaultRate: 20,
    wfiRate: 0,
    fpUse: 0.9,
    timerHz: 250,
    reasoning: "Exits come mostly from the timer tick; SIMD in almost every slice. Shows where the change cannot help.",
  },
  idle: {
    name: "idle",
    description: "an idle guest: timer ticks and rare housekeeping I/O",
    ioRate: 10,
    ioUserFraction: 0.5,
    ioIrqFraction: 1,
    ipiRate: 5,
    s2FaultRate: 1,
    wfiRate: 100,
    fpUse: 0.1,
    timerHz: 100,
    reasoning: "NO_HZ idle guest: ~100 wake-ups per second, little FP. Exits are rare, so nothing is saved.",
  },
};

export const PROFILE_NAMES = Object.keys(PROFILES);

/** A named profile (an own name of PROFILES: `constructor` or `__proto__` is no profile), or undefined. */
export function namedProfile(name: string): WorkloadProfile | undefined {
  return Object.hasOwn(PROFILES, name) ? PROFILES[name] : undefined;
}

const TEXT_FIELDS = ["name", "description", "reasoning"] as const;

/** The key of a profile file that names the named profile it starts from (docs/runs.md "Workload profiles"). */
export const BASE_FIELD = "base";

/**
 * Validates a custom profile object; unknown keys, missing fields and values of the wrong type or range are named errors.
 * With `"base": NAME` (a named profile) the object starts from that profile and overrides the fields it gives (a
 * missing field is the base's); without it every numeric field is required. The result is the resolved profile: the
 * base leaves no trace in it but its values (and, unless the file gives its own, the description).
 */
export function validateProfile(obj: unknown, source: string, field = "workload"): WorkloadProfile {
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) {
    throw new ConfigError(field, source, "a JSON object with the profile fields " + Object.keys(PROFILE_FIELDS).join(", ") + ` (or "${BASE_FIELD}": a named profile and some of them)`);
  }
  const o = obj as Record<string, unknown>;
  const allowed = [BASE_FIELD, ...TEXT_FIELDS, ...Object.keys(PROFILE_FIELDS)];
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) throw new ConfigError(field, `${source}: ${k}`, `profile fields: ${allowed.join(", ")}`);
  }
  let base: WorkloadProfile | undefined;
  if (Object.hasOwn(o, BASE_FIELD)) {
    const b = o[BASE_FIELD];
    base = typeof b === "string" ? namedProfile(b) : undefined;
    if (!base) {
      const shown = typeof b === "string" ? JSON.stringify(b.slice(0, 80)) : typeof b === "number" && !Number.isFinite(b) ? "a number beyond the double range" : (JSON.stringify(b)?.slice(0, 80) ?? String(b));
      throw new ConfigError(field, `${source}: ${BASE_FIELD}=${shown}`, `${BASE_FIELD}: the name of a named profile (${PROFILE_NAMES.join(", ")})${typeof b === "string" ? didYouMean(nearest(b, PROFILE_NAMES)) : ""}`);
    }
  }
  const text = (k: (typeof TEXT_FIELDS)[number], def: string): string => {
    const v = Object.hasOwn(o, k) ? o[k] : undefined;
    if (v === undefined) return def;
    if (typeof v !== "string" || v.length > 10_000) {
      throw new ConfigError(field, `${source}: ${k}=${JSON.stringify(v)?.slice(0, 80) ?? String(v)}`, `${k}: a string (at most 10000 characters)`);
    }
    return v;
  };
  const out: Record<string, unknown> = {
    name: text("name", source),
    description: text("description", base ? `${base.name} with fields overridden by ${source}` : "custom profile"),
    reasoning: text("reasoning", base ? base.reasoning : "custom profile"),
  };
  for (const [k, spec] of Object.entries(PROFILE_FIELDS)) {
    const v = Object.hasOwn(o, k) ? o[k] : undefined;
    if (v === undefined) {
      if (base) {
        out[k] = base[k as Numeric];
        continue;
      }
      throw new ConfigError(field, `${source}: ${k} missing`, `${k}: ${spec.help}, ${spec.min}..${spec.max} (or "${BASE_FIELD}": a named profile whose value it takes)`);
    }
    if (typeof v !== "number" || !Number.isFinite(v) || v < spec.min || v > spec.max) {
      const shown = typeof v === "number" && !Number.isFinite(v) ? "a number beyond the double range" : JSON.stringify(v);
      throw new ConfigError(field, `${source}: ${k}=${shown}`, `${k}: a number ${spec.min}..${spec.max} (${spec.help})`);
    }
    out[k] = v === 0 ? 0 : v;
  }
  return out as unknown as WorkloadProfile;
}

/** A profile as `nestlab profile show` prints it: the fields in their declared order (text fields first). */
export function profileJson(p: WorkloadProfile): Record<string, string | number> {
  const out: Record<string, string | number> = { name: p.name, description: p.description };
  for (const k of Object.keys(PROFILE_FIELDS) as Numeric[]) out[k] = p[k];
  out.reasoning = p.reasoning;
  return out;
}
