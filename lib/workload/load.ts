import { ConfigError } from "../util/errors";
import { readJsonInput } from "../util/files";
import { namedProfile, PROFILE_NAMES, validateProfile, type WorkloadProfile } from "./profiles";

/**
 * A named profile or a JSON file holding one (a regular file, read without blocking: lib/util/files.ts). Kept apart
 * from profiles.ts so that a sweep point's run (lib/sweep/point.ts) imports no file I/O: its profiles come from the
 * sweep's spec, read once when the sweep is planned.
 */
export function loadProfile(nameOrFile: string): WorkloadProfile {
  const named = namedProfile(nameOrFile);
  if (named) return named;
  if (!nameOrFile.endsWith(".json")) {
    throw new ConfigError("workload", nameOrFile, `${PROFILE_NAMES.join(", ")}, or a JSON profile file (FILE.json)`);
  }
  return validateProfile(readJsonInput(nameOrFile, "workload", "a JSON workload profile"), nameOrFile);
}
