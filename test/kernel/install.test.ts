import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { installKernelSpec, jupyterDataDir, kernelSpec } from "../../kernel/install";

/** The kernelspec itself; running a notebook through it under real Jupyter is test/kernel/jupyter.full.test.ts. */
describe("nestlab kernelspec", () => {
  it("points at the launcher with an absolute node and the connection file", () => {
    const spec = kernelSpec("/p", "/usr/bin/node");
    expect(spec.argv).toEqual(["/usr/bin/node", "/p/kernel/launch.cjs", "kernel", "--config-path", "{connection_file}"]);
    expect(spec.display_name).toBe("TypeScript (nestlab)");
    expect(jupyterDataDir({ JUPYTER_DATA_DIR: "/x" })).toBe("/x");
    expect(jupyterDataDir({ XDG_DATA_HOME: "/d" })).toBe(process.platform === "linux" ? "/d/jupyter" : jupyterDataDir({ XDG_DATA_HOME: "/d" }));
  });

  it("is installed as <data dir>/kernels/nestlab/kernel.json", () => {
    const dataDir = mkdtempSync(join(tmpdir(), "nestlab-install-"));
    try {
      const dir = installKernelSpec(dataDir, kernelSpec("/p", "/usr/bin/node"));
      expect(dir).toBe(join(dataDir, "kernels", "nestlab"));
      expect(JSON.parse(readFileSync(join(dir, "kernel.json"), "utf8"))).toEqual(kernelSpec("/p", "/usr/bin/node"));
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
