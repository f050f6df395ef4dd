/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildReport, listNotebooks, type ReportResult } from "../../kernel/report";
import { checkExecuted, EXPECTED } from "../notebooks/harness";
import { ink } from "./png";

/**
 * The report as a reader meets it: the whole page built in quick mode (every notebook) and opened in headless
 * Chromium. Screenshots of the top of the page and of every chart are written to $NESTLAB_SCREENSHOTS (default: a
 * scratch folder) and checked: no empty chart (data marks alone must show ink), no overlapping axis labels, no text cut off, every axis titled, legends not cut off, percentages as %, tooltips,
 * unavailable points marked; the summary first with every number generated; tables that fit the page.
 */
const tmp = mkdtempSync(join(tmpdir(), "nestlab-report-"));
const out = join(tmp, "report");
const shots = process.env.NESTLAB_SCREENSHOTS ?? join(tmp, "screenshots");
const CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"];

let report: ReportResult;
let browser: Browser;
let page: Page;
const problems: string[] = [];

beforeAll(async () => {
  report = await buildReport(out, { quick: true, log: () => {} });
  mkdirSync(shots, { recursive: true });
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_FLAGS });
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("request", (req) => {
    if (!req.url().startsWith("file:") && !req.url().startsWith("data:")) problems.push(`request: ${req.url()}`);
  });
  await page.goto(`file://${join(out, "index.html")}`);
  const n = await page.locator("figure.chart").count();
  await page.waitForFunction((count) => document.querySelectorAll("figure.chart.live").length === count, n, { timeout: 60_000 });
}, 900_000);

afterAll(async () => {
  await browser?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe("npm run report", () => {
  it("picks up every notebooks/*.ipynb in name order", () => {
    const files = listNotebooks().map((f) => f.slice(f.lastIndexOf("/") + 1));
    expect(files).toContain("00-smoke.ipynb");
    expect([...files].sort()).toEqual(files);
  });

  it("runs every experiment notebook headless (tslab's own compiler): each passes its notebook checks", () => {
    for (const name of Object.keys(EXPECTED)) checkExecuted(name, join(out, "notebooks", `${name}.ipynb`));
  });

  it("writes a self-contained page, CSVs, the record and the summary's figures", () => {
    expect(report.notebooks.filter((n) => !n.ok).map((n) => `${n.file}: ${n.failure?.error}`)).toEqual([]);
    const files = readdirSync(out);
    expect(files).toEqual(expect.arrayContaining(["index.html", "record.json", "figures.json", "micro.csv", "summary-wall-clock-by-depth.csv", "00-smoke-speedup.csv", "notebooks"]));
    expect(existsSync(join(out, "notebooks", "00-smoke.ipynb"))).toBe(true);
    const record = JSON.parse(readFileSync(join(out, "record.json"), "utf8"));
    expect(record).toMatchObject({ nestlab: expect.any(String), commit: expect.any(String), quick: true });
    expect(record.notebooks.find((n: { file: string }) => n.file === "notebooks/00-smoke.ipynb")).toMatchObject({ ok: true, records: { smoke: { seed: 1, quick: true } } });
    const html = readFileSync(join(out, "index.html"), "utf8");
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=["']https?:/); // nothing loaded from elsewhere
    // data files keep fractions: the summary's CSV holds reductions below 1, the page shows them in percent
    const csv = readFileSync(join(out, "summary-wall-clock-by-depth.csv"), "utf8").trim().split("\n");
    const col = csv[0]!.split(",").indexOf("wallReduction");
    expect(csv.slice(1).map((l) => Number(l.split(",")[col])).filter((v) => v > 0).every((v) => v < 1)).toBe(true);
  });

  it("opens on the summary: the question, the answer with intervals, the main chart, safety, what is left out; then contents", async () => {
    const order = await page.evaluate(() => [...document.querySelectorAll("body > h1, body > section > h2, body > nav > h2, body > section.notebook h2")].map((h) => h.textContent ?? ""));
    expect(order.slice(0, 6)).toEqual(["nestlab report: the FP-elision patch under nested virtualization", "The question", "The answer", "Is it safe?", "What the model leaves out", "Contents"]);
    const firstChart = await page.evaluate(() => {
      const summary = document.querySelector("section.summary")!;
      return summary.contains(document.querySelector("figure.chart"));
    });
    expect(firstChart).toBe(true);
    const summaryText = await page.locator("section.summary").innerText();
    expect(summaryText).toMatch(/95% CI over seeds/);
    expect(summaryText).toMatch(/sensitivity band/);
    expect(summaryText).not.toMatch(/record smoke|NaN|undefined/);
    await page.screenshot({ path: join(shots, "top.png") });
  });

  it("every number in the summary comes from the run: outside <span class=fig> only names (L0, NV2, arm64, 95% CI)", async () => {
    const loose = await page.evaluate(() => {
      const clone = document.querySelector("section.summary")!.cloneNode(true) as HTMLElement;
      clone.querySelectorAll("span.fig, figure.chart").forEach((e) => e.remove());
      return clone.textContent ?? "";
    });
    // a number is digits not glued to a name: arm64, FEAT_NV2, L0, stage-2 are names
    const numbers = (loose.match(/(?<![A-Za-z_\d.]|[A-Za-z]-)\d[\d.,]*/g) ?? []).filter((n) => n !== "95");
    expect(numbers).toEqual([]);
    const figs = await page.locator("section.summary span.fig").allInnerTexts();
    const figures = JSON.parse(readFileSync(join(out, "figures.json"), "utf8"));
    const mean = `${(figures.claims[0].model.mean * 100).toFixed(2)}%`;
    expect(figs).toContain(mean); // the first claim's model figure, as figures.json has it
  });

  it("charts: screenshots show ink; every layer draws; every axis titled in words; legends whole; % on percent axes", async () => {
    const charts = page.locator("figure.chart");
    const n = await charts.count();
    expect(n).toBeGreaterThanOrEqual(13); // the summary's and every notebook's
    const found: string[] = [];
    for (let i = 0; i < n; i++) {
      const chart = charts.nth(i);
      const file = join(shots, `chart-${String(i).padStart(2, "0")}.png`);
      writeFileSync(file, await chart.locator("div.vega-chart").screenshot());
      const { nonWhite, colours } = ink(readFileSync(file));
      if (nonWhite < 0.01 || colours < 8) found.push(`chart ${i}: blank screenshot (${(nonWhite * 100).toFixed(1)}% ink, ${colours} colours)`);
      // The ink of the whole chart counts its title, axes, labels and legend: a chart whose marks draw nothing still has
      // plenty (notebook 08's log-scale bars from zero passed so). Hide everything but the data marks and look again.
      await chart.evaluate((el) => {
        for (const e of el.querySelectorAll<SVGElement>("div.vega-chart svg.marks :is(.role-axis, .role-legend, .role-title, .role-header, .role-column-header, .role-row-header, .mark-rule, path.background)")) e.style.visibility = "hidden";
      });
      const marksOnly = ink(await chart.locator("div.vega-chart").screenshot());
      await chart.evaluate((el) => {
        for (const e of el.querySelectorAll<SVGElement>("div.vega-chart svg.marks [style*='visibility']")) e.style.visibility = "";
      });
      if (marksOnly.nonWhite < 0.002) found.push(`chart ${i}: its data marks draw (almost) nothing: ${(marksOnly.nonWhite * 100).toFixed(2)}% ink without axes, legends and titles`);
      const facts = await chart.evaluate((el) => {
        const svg = el.querySelector("div.vega-chart svg.marks")!;
        const title = svg.querySelector(".role-title-text")?.textContent ?? "";
        const empty: string[] = [];
        for (const g of svg.querySelectorAll("g.role-mark")) {
          const kind = [...g.classList].find((c) => c.startsWith("mark-")) ?? "";
          const items = [...g.children].filter((c) => c instanceof SVGGraphicsElement) as SVGGraphicsElement[];
          const boxes = items.map((c) => c.getBBox());
          // an area or a bar must have extent both ways (a band over a single x has none); a tick is a thin rect
          const solid = kind === "mark-area" || kind === "mark-rect";
          const drawn = boxes.some((b) => (solid ? b.width >= 1 && b.height >= 1 && (kind === "mark-rect" || b.width > 2) : b.width + b.height > 0));
          if (!drawn) empty.push(`${kind} (${g.getAttribute("class")})`);
        }
        // (grid lines are axes too, without labels: only labelled axes count)
        const axes = [...svg.querySelectorAll("g.role-axis")].filter((a) => a.querySelector(".role-axis-label text")).map((a) => ({
          title: a.querySelector(".role-axis-title text")?.textContent ?? "",
          labels: [...a.querySelectorAll(".role-axis-label text")].map((t) => t.textContent ?? ""),
        }));
        const legendLabels = [...svg.querySelectorAll(".role-legend-label text, .role-legend-title text")].map((t) => t.textContent ?? "");
        // labels of one axis that overlap (glued "baselinepatched"), and text cut off (by vega's limits: "…") or
        // outside the drawing
        const overlaps: string[] = [];
        for (const a of svg.querySelectorAll("g.role-axis")) {
          // vega hides labels that would overlap (opacity 0): only the shown ones count
          const texts = [...a.querySelectorAll(".role-axis-label text")].filter((t) => (t.textContent ?? "") !== "" && getComputedStyle(t).opacity !== "0" && t.getAttribute("opacity") !== "0");
          const boxes = texts.map((t) => t.getBoundingClientRect());
          for (let p = 0; p < boxes.length; p++)
            for (let q = p + 1; q < boxes.length; q++) {
              const b1 = boxes[p]!;
              const b2 = boxes[q]!;
              const w = Math.min(b1.right, b2.right) - Math.max(b1.left, b2.left);
              const h = Math.min(b1.bottom, b2.bottom) - Math.max(b1.top, b2.top);
              if (w > 1 && h > 1) overlaps.push(`${texts[p]!.textContent} / ${texts[q]!.textContent}`);
            }
        }
        const frame = svg.getBoundingClientRect();
        const clipped = [...svg.querySelectorAll("text")]
          .filter((t) => (t.textContent ?? "") !== "" && t.getAttribute("opacity") !== "0")
          .filter((t) => {
            const b = t.getBoundingClientRect();
            return (t.textContent ?? "").endsWith("…") || b.left < frame.left - 1 || b.right > frame.right + 1 || b.top < frame.top - 1 || b.bottom > frame.bottom + 1;
          })
          .map((t) => t.textContent ?? "");
        return { title, empty, axes, legendLabels, overlaps, clipped };
      });
      if (!facts.title) found.push(`chart ${i}: no title`);
      for (const e of facts.empty) found.push(`chart ${i} (${facts.title}): a layer draws nothing visible: ${e}`);
      for (const a of facts.axes) {
        if (a.title.trim().length < 3) found.push(`chart ${i} (${facts.title}): an axis without a title (labels ${a.labels.slice(0, 3).join(", ")})`);
        else if (/^[a-z][a-z0-9]*[A-Z]\w*$/.test(a.title)) found.push(`chart ${i} (${facts.title}): axis titled with a field name '${a.title}'`);
        if (a.title.includes("%") && !a.labels.every((l) => l.endsWith("%"))) found.push(`chart ${i} (${facts.title}): percent axis labelled ${a.labels.join(" ")}`);
        if (/saved \(%\)|reduction/i.test(a.title) && a.labels.some((l) => /^0\.\d+$/.test(l))) found.push(`chart ${i}: a reduction shown as a fraction`);
      }
      for (const l of facts.legendLabels) if (l.endsWith("…")) found.push(`chart ${i} (${facts.title}): legend entry cut off: ${l}`);
      for (const o of facts.overlaps) found.push(`chart ${i} (${facts.title}): axis labels overlap: ${o}`);
      for (const c of facts.clipped) found.push(`chart ${i} (${facts.title}): text cut off: ${c}`);
      for (const a of facts.axes) if (/, (lo|hi|x|x2|low|high)$/.test(a.title)) found.push(`chart ${i} (${facts.title}): two axis titles joined: ${a.title}`);
    }
    expect(found).toEqual([]);
  });

  it("charts: livelocked depths are marked, not dropped; the claimed ranges are drawn; tooltips show on hover", async () => {
    const text = await page.evaluate(() => [...document.querySelectorAll("div.vega-chart svg.marks")].map((s) => s.textContent ?? "").join("\n"));
    expect(text).toContain("no progress: livelock"); // notebook 02: NV2 off at depth 4 in quick mode
    expect(text).toMatch(/claimed 10%–20%/);
    expect(text).toMatch(/claimed ≥ 10%/);
    const point = page.locator("figure.chart").first().locator('svg.marks path[aria-roledescription="point"]').first();
    await point.hover({ force: true });
    const tip = page.locator("#vg-tooltip-element");
    await tip.waitFor({ state: "visible", timeout: 5_000 });
    expect(await tip.innerText()).toMatch(/wall-clock time saved/);
  });

  it("tables: numbers right, text left, reductions in %, times in readable units, and they fit the page", async () => {
    const facts = await page.evaluate(() => {
      const body = document.body.getBoundingClientRect();
      // a table fits the page, or scrolls inside its box (.nestlab-table-wrap) rather than breaking words to fit
      const wide = [...document.querySelectorAll("table")]
        .map((t) => t.closest(".nestlab-table-wrap") ?? t)
        .filter((t) => t.getBoundingClientRect().right > body.right + 1)
        .map((t) => t.querySelector("caption")?.textContent ?? t.querySelector("th")?.textContent ?? "table");
      // no word broken inside a cell ("neste d", "sysregWrit e"): each word of a cell's text on one line
      const broken: string[] = [];
      for (const cell of document.querySelectorAll("table td, table th")) {
        const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          const text = n.textContent ?? "";
          // a break after a hyphen or slash is a line break, not a broken word
          for (const m of text.matchAll(/[^\s\-/]+/g)) {
            const r = document.createRange();
            r.setStart(n, m.index!);
            r.setEnd(n, m.index! + m[0].length);
            const lines = new Set([...r.getClientRects()].filter((b) => b.width > 0).map((b) => Math.round(b.top)));
            if (lines.size > 1) broken.push(m[0]);
          }
        }
      }
      const cells = [...document.querySelectorAll("table.nestlab-table td")];
      const misaligned = cells.filter((td) => {
        const a = getComputedStyle(td).textAlign;
        return td.classList.contains("num") ? a !== "right" : td.classList.contains("text") ? a !== "left" : true;
      }).length;
      const headers = [...document.querySelectorAll("table.nestlab-table th")].map((th) => th.textContent ?? "");
      return { wide, broken, misaligned, cells: cells.length, headers, scroll: document.documentElement.scrollWidth - window.innerWidth };
    });
    expect(facts.wide).toEqual([]);
    expect(facts.broken).toEqual([]);
    expect(facts.scroll).toBeLessThanOrEqual(0);
    expect(facts.cells).toBeGreaterThan(100);
    expect(facts.misaligned).toBe(0);
    expect(facts.headers.filter((h) => /^[a-z][a-z0-9]*[A-Z]\w*$/.test(h))).toEqual([]); // no camelCase field names as headers
    const text = await page.locator("body").innerText();
    expect(text.match(/\d{1,3}(,\d{3})+(\.\d+)? ns\b/g) ?? []).toEqual([]); // no thousands of nanoseconds
    expect(text).toMatch(/\d+(\.\d+)? µs/);
    const reductionCells = await page.evaluate(() => {
      const out: string[] = [];
      for (const t of document.querySelectorAll("table.nestlab-table")) {
        const heads = [...t.querySelectorAll("th")].map((h) => h.textContent ?? "");
        heads.forEach((h, i) => {
          if (/^wall-clock time saved$/.test(h)) for (const row of t.querySelectorAll("tbody tr")) out.push(row.children[i]?.textContent ?? "");
        });
      }
      return out;
    });
    expect(reductionCells.length).toBeGreaterThan(10);
    expect(reductionCells.filter((c) => c !== "" && !c.endsWith("%"))).toEqual([]);
  });

  it("leaves progress bars out; says that the sections run shorter than the summary; headers agree with their cells", async () => {
    expect(await page.locator(".nestlab-progress, progress").count()).toBe(0);
    const text = await page.locator("body").innerText();
    expect(text).not.toMatch(/done in \d+(\.\d+)? s|\d+\/\d+ \(\d+%\)/);
    expect(await page.locator("section.summary").innerText()).toMatch(/The sections below run .* ms of leaf work per run.* these figures/);
    const heads = await page.evaluate(() => [...document.querySelectorAll("table.nestlab-table th")].map((th) => th.textContent ?? ""));
    expect(heads.filter((h) => /\bns$/.test(h))).toEqual([]); // durations carry their unit in the cell
  });

  it("reads plainly: contents not numbered twice, switches on/off, no 'time (time)', the smoke test states its configuration and does not end the page", async () => {
    // the notebooks' titles carry their numbers ("01 · Quickstart"): the contents list adds none
    expect(await page.locator("nav.toc ol").count()).toBe(0);
    expect(await page.locator("nav.toc ul li").count()).toBeGreaterThan(10);
    const cells = await page.evaluate(() => [...document.querySelectorAll("table td")].map((td) => (td.textContent ?? "").trim()));
    expect(cells.filter((c) => c === "true" || c === "false")).toEqual([]);
    const heads = await page.evaluate(() => [...document.querySelectorAll("table th")].map((th) => th.textContent ?? ""));
    expect(heads.filter((h) => /\btime \(time\)|^meant$/.test(h))).toEqual([]);
    // a span of percentages is in percentage points
    for (const h of heads.filter((x) => /^span\b/.test(x))) expect(h).toMatch(/percentage points/);
    const text = await page.locator("body").innerText();
    expect(text).toMatch(/smoke test, not a headline figure: wall-clock time saved \d[\d.]*%\s+\(io-heavy at depth \d, SVE vector length \d+ bits, every level patched, [\d,]+ ms of leaf work per run, seed \d+\)/);
    const lastSection = await page.evaluate(() => [...document.querySelectorAll("body > section")].pop()?.id ?? "");
    expect(lastSection).toBe("costs");
    // open-ended claims are drawn as such in the summary's chart and notebook 06's
    const marks = await page.evaluate(() => [...document.querySelectorAll("div.vega-chart svg.marks")].map((s) => s.textContent ?? "").join("\n"));
    const summaryChart = await page.evaluate(() => document.querySelector("section.summary div.vega-chart svg.marks")?.textContent ?? "");
    expect(summaryChart).toMatch(/open-ended claim \(no upper bound\)/);
    expect(summaryChart).toMatch(/claimed ≥ 10%/);
    expect(marks).toMatch(/claimed ≥ 10% \(no upper bound\)/); // notebook 06's claims chart
  });

  it("loads nothing from the network and logs no errors", () => {
    expect(problems).toEqual([]);
  });
});
