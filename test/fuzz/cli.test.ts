import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fuzzCli, reportText } from "./run";

/** The command-line fuzz suite, a quick slice (the full tier runs cli.full.test.ts: 2,000 cases and more). */
const root = mkdtempSync(join(tmpdir(), "nestlab-fuzz-quick-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("command-line fuzz, quick slice", () => {
  it("150 cases keep the contract", async () => {
    const r = await fuzzCli(root, 150, 1);
    console.log(reportText(r));
    expect(r.cases).toBe(150);
  });
});
