import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

/**
 * Two tiers (test/tier.ts):
 * - project "quick" (`npm test`): unit, property and command-line tests, with the expensive searches cut to a slice;
 * - project "full" (the *.full.test.ts files): the notebooks (headless runner and real Jupyter), the kernel under
 *   Jupyter and the report page in headless Chromium.
 * `npm run test:ci` (.ci/test, and so CI) runs both projects with NESTLAB_FULL=1 (every search at full size).
 */
const FULL_ONLY = "test/**/*.full.test.ts";

export default defineConfig({
  test: {
    environment: "node",
    // the command-line tests run the compiled build: bring it up to date once, before any test starts
    globalSetup: ["test/setup/build.ts"],
    testTimeout: 120_000,
    reporters: ["default"],
    // vitest's default in run mode is one worker fewer than the CPUs: a single worker on a 2-CPU machine. The slow
    // files (notebooks) mostly wait on a child process (tsx, Jupyter's kernel), so one worker per CPU keeps them busy.
    maxWorkers: availableParallelism(),
    projects: [
      { extends: true, test: { name: "quick", include: ["test/**/*.test.ts"], exclude: [FULL_ONLY] } },
      { extends: true, test: { name: "full", include: [FULL_ONLY] } },
    ],
  },
});
