import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import { buildReport, listNotebooks } from "../../kernel/report";

const ROOT = join(__dirname, "../..");
const tmp = mkdtempSync(join(tmpdir(), "nestlab-report-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"];

describe("npm run report", () => {
  it("picks up every notebooks/*.ipynb in name order", () => {
    const files = listNotebooks().map((f) => f.slice(f.lastIndexOf("/") + 1));
    expect(files).toContain("00-smoke.ipynb");
    expect([...files].sort()).toEqual(files);
  });

  it("writes a self-contained page, CSVs and a record; the page opens in headless Chromium with its charts drawn", async () => {
    const out = join(tmp, "report");
    const r = await buildReport(out, { quick: true, notebooks: [join(ROOT, "notebooks", "00-smoke.ipynb")], log: () => {} });
    expect(r.ok).toBe(true);
    const files = readdirSync(out);
    expect(files).toEqual(expect.arrayContaining(["index.html", "record.json", "micro.csv", "00-smoke-speedup.csv", "00-smoke-attribution.csv", "notebooks"]));
    expect(existsSync(join(out, "notebooks", "00-smoke.ipynb"))).toBe(true);
    const record = JSON.parse(readFileSync(join(out, "record.json"), "utf8"));
    expect(record).toMatchObject({ nestlab: expect.any(String), commit: expect.any(String), quick: true });
    expect(record.notebooks[0]).toMatchObject({ file: "notebooks/00-smoke.ipynb", ok: true, records: { smoke: { seed: 1, quick: true } } });
    const html = readFileSync(join(out, "index.html"), "utf8");
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=["']https?:/); // nothing loaded from elsewhere
    expect(html).toContain("<svg"); // static SVG inline

    const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_FLAGS });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error" || m.type() === "warning") problems.push(`${m.type()}: ${m.text()}`);
      });
      page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
      page.on("request", (req) => {
        if (!req.url().startsWith("file:") && !req.url().startsWith("data:")) problems.push(`request: ${req.url()}`);
      });
      await page.goto(`file://${join(out, "index.html")}`);
      const charts = page.locator("div.vega-chart");
      expect(await charts.count()).toBe(2);
      await page.locator("figure.chart.live").nth(1).waitFor({ timeout: 15_000 }); // vega-embed resolved for both charts
      for (let i = 0; i < 2; i++) {
        const chart = charts.nth(i);
        expect(await chart.getAttribute("class")).toContain("vega-embed");
        expect(await chart.locator("svg.marks").count()).toBe(1);
        expect(await chart.locator("svg.marks path, svg.marks rect").count()).toBeGreaterThan(0);
      }
      expect(await page.locator("table").count()).toBeGreaterThan(3);
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 90_000);
});
