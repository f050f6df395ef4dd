/**
 * vitest global setup: the tests that run the command line (node lib/cli/bin.cjs, npx nestlab) run the compiled build,
 * so it is brought up to date with the sources once, before any test starts (the CLI would rebuild too, but several
 * test files starting CLIs at once would race to rebuild).
 */
export default function setup(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { ensureBuild } = require("../../lib/cli/build.cjs") as { ensureBuild: () => string };
  ensureBuild();
}
