import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { installKernelSpec, KERNEL_NAME } from "../../kernel/install";

const ROOT = join(__dirname, "../..");
const tmp = mkdtempSync(join(tmpdir(), "nestlab-jupyter-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// nbclient, as Debian packages it (installed by .ci/run): the notebook runs in notebooks/, as Jupyter would run it.
const NBCLIENT = `
import sys, nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(nb, timeout=120, kernel_name=sys.argv[3], resources={"metadata": {"path": sys.argv[4]}}).execute()
nbformat.write(nb, sys.argv[2])
`;

describe("nestlab kernelspec under real Jupyter", () => {
  it("runs notebooks/00-smoke.ipynb through real Jupyter (nbclient) from the notebook's folder", async () => {
    const dataDir = join(tmp, "jupyter");
    const dir = installKernelSpec(dataDir);
    expect(JSON.parse(readFileSync(join(dir, "kernel.json"), "utf8")).argv[1]).toBe(join(ROOT, "kernel", "launch.cjs"));
    const out = join(tmp, "smoke.ipynb");
    await promisify(execFile)(
      "/usr/bin/python3",
      ["-c", NBCLIENT, join(ROOT, "notebooks", "00-smoke.ipynb"), out, KERNEL_NAME, join(ROOT, "notebooks")],
      { env: { ...process.env, JUPYTER_PATH: dataDir, JUPYTER_RUNTIME_DIR: join(tmp, "runtime"), NESTLAB_QUICK: "1" }, timeout: 90_000 },
    );
    const nb = JSON.parse(readFileSync(out, "utf8")) as { cells: { outputs?: { output_type: string; data?: Record<string, unknown> }[] }[] };
    const outputs = nb.cells.flatMap((c) => c.outputs ?? []);
    expect(outputs.filter((o) => o.output_type === "error")).toEqual([]);
    const mimes = new Set(outputs.flatMap((o) => Object.keys(o.data ?? {})));
    for (const m of ["application/vnd.vegalite.v5+json", "image/svg+xml", "text/html", "text/plain"]) expect(mimes).toContain(m);
    const chart = outputs.find((o) => o.data?.["application/vnd.vegalite.v5+json"]);
    expect(typeof chart?.data?.["application/vnd.vegalite.v5+json"]).toBe("object");
    expect(String(chart?.data?.["image/svg+xml"])).toMatch(/^<svg/);
  }, 100_000);
});
