import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { modelIdentity } from "../../lib/sweep/identity";
import { KERNEL } from "../../lib/kvm/kernel";
import { run } from "../cli/harness";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { modelSources } = require("../../lib/util/model-id.cjs") as { modelSources: (root: string) => string[] };

const ROOT = join(__dirname, "..", "..");

describe("the model's identity (docs/runs.md \"Model identity\")", () => {
  it("covers every module a sweep point's run imports (esbuild's import graph of lib/sweep/point.ts) and the grid planning", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const esbuild = require("esbuild") as typeof import("esbuild");
    const r = esbuild.buildSync({
      entryPoints: [join(ROOT, "lib/sweep/point.ts")],
      bundle: true,
      platform: "node",
      format: "cjs",
      packages: "external",
      write: false,
      metafile: true,
      outfile: "point.js",
      absWorkingDir: ROOT,
      logLevel: "silent",
    });
    const imported = Object.keys(r.metafile!.inputs).filter((f) => f.startsWith("lib/"));
    const sources = new Set(modelSources(ROOT));
    expect(imported.filter((f) => !sources.has(f))).toEqual([]);
    for (const f of ["lib/sweep/grid.ts", "lib/costs/table.ts", "lib/kvm/kernel.ts"]) expect(sources.has(f)).toBe(true);
    // a sweep point's run reads no file (profiles come from the spec), and the command line is no part of the model
    expect(imported.filter((f) => /util\/files|workload\/load/.test(f))).toEqual([]);
    expect([...sources].filter((f) => /^lib\/(cli|util\/files)/.test(f))).toEqual([]);
  });

  it("is the pinned release and a hash; the build's equals the sources'", () => {
    const id = modelIdentity();
    expect(id).toMatch(new RegExp(`^${KERNEL.release.replace(/\./g, "\\.")}\\+[0-9a-f]{16}$`));
    const v = run(["--version"]);
    expect(v.code, v.err).toBe(0);
    expect(v.out).toContain(`model identity: ${id}\n`);
    const info = JSON.parse(readFileSync(join(ROOT, "dist", "build.json"), "utf8")) as { model: string };
    expect(`${KERNEL.release}+${info.model}`).toBe(id);
  });
});
