import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isKernelTree, renderVerifyBlock, specificity, verifyKernel } from "../../lib/kvm/verify";
import { projectRoot } from "../../lib/util/root";

/** Full tier: the specificity count injects some 5,800 accesses (about 10 s). Skipped without the pinned tree. */
const ROOT = join(projectRoot(), "..", "shared", "reference", "linux-7.3-rc7");
const present = existsSync(ROOT) && isKernelTree(ROOT);
if (!present) console.warn(`verify:kernel doc test skipped: no kernel tree at ${ROOT}`);

describe.skipIf(!present)("docs/fidelity.md's verify block", () => {
  it("is what the check reports today (npm run verify:kernel -- --doc rewrites it)", () => {
    const text = readFileSync(join(projectRoot(), "docs", "fidelity.md"), "utf8");
    const block = /<!-- verify: counts -->\n([\s\S]*?)\n<!-- \/verify -->/.exec(text)?.[1];
    expect(block).toBe(renderVerifyBlock(verifyKernel(ROOT), specificity(ROOT)));
  });
});
