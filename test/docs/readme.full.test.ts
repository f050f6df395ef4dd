import { describe, expect, it } from "vitest";
import { refreshReadme } from "../../kernel/readme";

/**
 * The README's generated blocks must be what the model and the command line print now: a change to the model that
 * moves a figure fails here until `npm run readme` (or `npm run report`) refreshes them.
 */
describe("README.md's generated blocks", () => {
  it("equal what the model and the command line print now", () => {
    const r = refreshReadme({ check: true });
    expect({ missing: r.missing, unknown: r.unknown }).toEqual({ missing: [], unknown: [] });
    expect(r.changed, "blocks that drifted (run npm run readme)").toEqual([]);
  }, 600_000);
});
