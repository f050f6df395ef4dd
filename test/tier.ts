/**
 * The two test tiers (see vitest.config.mts).
 *
 * - quick, `npm test`: the vitest project "quick" (every test/**\/*.test.ts but the *.full.test.ts files), with the
 *   expensive random and exhaustive searches cut to a slice: the first runs of the same seeded sequence, so a quick
 *   failure is also a full one.
 * - full, `npm run test:ci` (.ci/test, and so CI): every project, with NESTLAB_FULL=1 so those searches run at full
 *   size, plus the notebooks, real Jupyter and headless Chromium (the *.full.test.ts files).
 *
 * `NESTLAB_FULL=1 npm test` runs the quick files at full size.
 */
export const FULL = /^(1|true|yes)$/i.test(process.env.NESTLAB_FULL ?? "");

/** `full` under NESTLAB_FULL=1, else `quick`: `{ numRuns: sized(300, 50) }`. */
export function sized<T>(full: T, quick: T): T {
  return FULL ? full : quick;
}
