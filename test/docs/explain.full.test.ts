import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { block, BLOCKS, DOC, figures } from "../../bench/explain";

/** docs/explain.md's generated blocks are what bench/explain.ts computes today (no figure there is typed by hand). */
describe("docs/explain.md", () => {
  it("shows the claims, the saving, one exit and both explain tables as the model computes them", async () => {
    const doc = readFileSync(DOC, "utf8");
    const f = await figures(2);
    for (const b of BLOCKS) expect(block(doc, b), b).toBe(f[b]);
  }, 900_000);
});
