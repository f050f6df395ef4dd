import { ConfigError } from "../util/errors";
import { readJsonInput } from "../util/files";
import { didYouMean, nearest } from "../util/text";
import { namedProfile, PROFILE_NAMES, validateProfile, type WorkloadProfile } from "./profiles";

/**
 * A named profile or a JSON file holding one (a regular file, read without blocking: lib/util/files.ts). Kept apart
 * from profiles.ts so that a sweep point's run (lib/sweep/point.ts) imports no file I/O: its profiles come from the
 * sweep's spec, read once when the sweep is planned.
 */
export function loadProfile(nameOrFile: string, field = "workload"): WorkloadProfile {
  const named = namedProfile(nameOrFile);
  if (named) return named;
  if (!nameOrFile.endsWith(".json")) {
    throw new ConfigError(field, nameOrFile, `${PROFILE_NAMES.join(", ")}, or a JSON profile file (FILE.json)${didYouMean(nearest(nameOrFile, PROFILE_NAMES))}`);
  }
  // a file naming a base is resolved here, so whatever holds the profile (a sweep's spec and fingerprint) holds its values
  return validateProfile(readJsonInput(nameOrFile, field, "a JSON workload profile"), nameOrFile, field);
}

/** Whether a --workload value names a file (not a named profile): outputs then carry the profile's contents. */
export function isProfileFile(nameOrFile: string): boolean {
  return namedProfile(nameOrFile) === undefined;
}
