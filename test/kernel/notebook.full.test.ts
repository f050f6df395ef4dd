/// <reference lib="dom" />
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import { ink } from "./png";

/**
 * Real Jupyter, as the README tells a newcomer to use it: `npm run notebook` starts Debian's classic Jupyter Notebook
 * 6.4 (apt-get install jupyter-notebook) with the nestlab kernel; Chromium opens a notebook, the project kernel
 * starts, the cells run, and a chart appears in the page (classic Notebook has no Vega-Lite 5 renderer: it shows the
 * image/svg+xml every chart output carries). A `python3` first on PATH that has no Jupyter must not matter.
 */
const ROOT = join(__dirname, "../..");
const tmp = mkdtempSync(join(tmpdir(), "nestlab-notebook-"));
const shots = process.env.NESTLAB_SCREENSHOTS ?? join(tmp, "screenshots");
const CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"];
let server: ChildProcess | undefined;

afterAll(async () => {
  if (server?.pid !== undefined && server.exitCode === null) {
    const exited = new Promise((r) => server!.once("exit", r));
    process.kill(-server.pid, "SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (server.exitCode === null) process.kill(-server.pid, "SIGKILL");
  }
  rmSync(tmp, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe("npm run notebook (Debian's classic Jupyter Notebook) in Chromium", () => {
  it("starts the server and the project kernel; a notebook runs and its chart shows as SVG", async () => {
    mkdirSync(shots, { recursive: true });
    const nbDir = join(tmp, "notebooks");
    mkdirSync(nbDir);
    copyFileSync(join(ROOT, "notebooks", "00-smoke.ipynb"), join(nbDir, "00-smoke.ipynb")); // autosave writes here, not in the checkout
    // a python3 without Jupyter first on PATH, as a pyenv shim would be
    const fakeBin = join(tmp, "bin");
    mkdirSync(fakeBin);
    writeFileSync(join(fakeBin, "python3"), "#!/bin/sh\necho 'not this python' >&2\nexit 1\n");
    chmodSync(join(fakeBin, "python3"), 0o755);
    const port = await freePort();
    const token = "nestlab-test-token";
    let log = "";
    server = spawn("npm", ["run", "notebook", "--", "--port", String(port), "--notebook-dir", nbDir, "--token", token], {
      cwd: ROOT,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        PATH: `${fakeBin}:${process.env.PATH ?? ""}`,
        JUPYTER_DATA_DIR: join(tmp, "data"),
        JUPYTER_RUNTIME_DIR: join(tmp, "runtime"),
        JUPYTER_CONFIG_DIR: join(tmp, "config"),
        NESTLAB_QUICK: "1",
      },
    });
    server.stdout!.on("data", (d: Buffer) => (log += d.toString()));
    server.stderr!.on("data", (d: Buffer) => (log += d.toString()));
    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 90_000;
    for (;;) {
      try {
        const r = await fetch(`${base}/api/status?token=${token}`);
        if (r.ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline || server.exitCode !== null) throw new Error(`the notebook server did not start:\n${log}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const specs = (await (await fetch(`${base}/api/kernelspecs?token=${token}`)).json()) as { kernelspecs: Record<string, unknown> };
    expect(Object.keys(specs.kernelspecs)).toContain("nestlab");
    expect(JSON.parse(readFileSync(join(tmp, "data", "kernels", "nestlab", "kernel.json"), "utf8")).argv[1]).toBe(join(ROOT, "kernel", "launch.cjs"));

    const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_FLAGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(`${base}/notebooks/00-smoke.ipynb?token=${token}`);
      // the project kernel starts and connects
      await page.waitForFunction(
        () => {
          const J = (window as unknown as { Jupyter?: { notebook?: { kernel?: { name?: string; is_connected?: () => boolean } } } }).Jupyter;
          return J?.notebook?.kernel?.name === "nestlab" && J.notebook.kernel.is_connected?.() === true;
        },
        undefined,
        { timeout: 120_000 },
      );
      await page.evaluate(() => {
        const J = (window as unknown as { Jupyter: { notebook: { set_autosave_interval(ms: number): void; execute_all_cells(): void } } }).Jupyter;
        J.notebook.set_autosave_interval(0);
        J.notebook.execute_all_cells();
      });
      // every cell runs: the last one prints the time saved; both charts show as SVG
      await page.locator("div.output_subarea", { hasText: /wall-clock time saved \d/ }).first().waitFor({ timeout: 240_000 });
      const svgs = page.locator("div.output_svg svg");
      expect(await svgs.count()).toBe(2);
      expect(await page.locator("div.output_error, div.output_stderr").count()).toBe(0);
      expect(await page.locator("div.output_html table.nestlab-table").count()).toBeGreaterThan(0);
      const axisTitles = await svgs.first().locator(".role-axis-title text").allTextContents();
      expect(axisTitles).toEqual(expect.arrayContaining(["nesting depth (leaf level)"]));
      const chart = join(shots, "jupyter-chart.png");
      writeFileSync(chart, await svgs.first().screenshot());
      expect(ink(readFileSync(chart)).nonWhite).toBeGreaterThan(0.02);
      await page.screenshot({ path: join(shots, "jupyter-page.png"), fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
    expect(log).not.toContain("not this python");
  }, 400_000);
});
