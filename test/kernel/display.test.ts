import { afterEach, describe, expect, it } from "vitest";
import { conclude, type DisplayBundle, formatCell, plot, progress, record, show } from "../../kernel/display";
import { formatDuration, formatPercent, formatPercentCi, summarize } from "../../kernel/format";
import { pick, quick } from "../../kernel/env";
import { markdownToHtml } from "../../kernel/markdown";
import { isProgressOutput } from "../../kernel/report";
import { speedupByDepthChart } from "../../lib/index";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const jupyter = require("tslab/dist/jupyter") as { lastWriteDisplayData: ((d: DisplayBundle, update: boolean) => void) | null };
const capture = (): { d: DisplayBundle; update: boolean }[] => {
  const got: { d: DisplayBundle; update: boolean }[] = [];
  jupyter.lastWriteDisplayData = (d, update) => got.push({ d, update });
  return got;
};
afterEach(() => {
  jupyter.lastWriteDisplayData = null;
  delete process.env.NESTLAB_QUICK;
});

describe("display helpers", () => {
  it("format numbers for people", () => {
    expect(formatCell(1234567)).toBe("1,234,567");
    expect(formatCell(12345678901234567890n)).toBe("12,345,678,901,234,567,890");
    expect(formatCell(1.0123456)).toBe("1.012");
    expect(formatCell(0.000123456)).toBe("0.0001");
    expect(formatCell(null)).toBe("");
  });

  it("show: one HTML + text bundle, row limit, the full table as CSV for the report", () => {
    const got = capture();
    show(Array.from({ length: 30 }, (_, i) => ({ depth: i, name: i % 2 ? "a<b" : "c", v: i / 3 })), { limit: 5, name: "t" });
    expect(got).toHaveLength(1);
    const { data, metadata } = got[0]!.d;
    expect(String(data["text/html"]).match(/<tr>/g)).toHaveLength(6);
    expect(data["text/html"]).toContain("25 more rows");
    expect(data["text/html"]).toContain("a&lt;b");
    expect(String(data["text/plain"]).split("\n")[0]).toMatch(/depth\s+name\s+v/);
    expect(data["text/html"]).toContain('<td class="num">'); // numbers right-aligned
    expect(data["text/html"]).toContain('<td class="text">c</td>'); // text left-aligned
    const meta = metadata.nestlab as { kind: string; csv: string };
    expect(meta.kind).toBe("table");
    expect(meta.csv.trim().split("\n")).toHaveLength(31);
  });

  it("show: headers in words, reductions in percent, times in a readable unit; the CSV keeps raw values", () => {
    const got = capture();
    show([{ depth: 3, wallReduction: 0.029026, baselineSeconds: 4764.635902604, ns: 34676.33, l0Traps: 1234567, fpTrapsAvoided: 3 }]);
    const html = String(got[0]!.d.data["text/html"]);
    for (const s of ["2.90%", "1.32 h", "34.7 µs", "1,234,567", ">L0 traps<", ">FP traps avoided<", ">wall-clock time saved<"]) expect(html).toContain(s);
    expect(html).not.toContain("4,764");
    const csv = (got[0]!.d.metadata.nestlab as { csv: string }).csv;
    expect(csv).toContain("0.029026");
    expect(csv.split("\n")[0]).toBe("depth,wallReduction,baselineSeconds,ns,l0Traps,fpTrapsAvoided");
  });

  it("show: every fraction a percent with one precision per column, small spans not 0, whole cycles, duration headers without a unit", () => {
    const got = capture();
    show([
      { input: "a", reductionLow: 0.0208, reductionHigh: 0.022, reductionSpan: 0.00004, reductionCi95: 0.00009, meanCycles: 301596.8, fpBytesAvoided: 90388.3, meanNs: 1234.5, sdNs: 0 },
      { input: "b", reductionLow: 0.0201, reductionHigh: 0.0203, reductionSpan: 0.0002, reductionCi95: 0.0002, meanCycles: 12.4, fpBytesAvoided: 0, meanNs: 10, sdNs: 2 },
    ]);
    const html = String(got[0]!.d.data["text/html"]);
    const cells = [...html.matchAll(/<td class="(?:num|text)">([^<]*)<\/td>/g)].map((m) => m[1]!);
    // a span (highest - lowest) is a difference of percentages: percentage points, two decimals, a tiny one not 0
    expect(cells.slice(0, 10)).toEqual(["a", "2.08%", "2.20%", "&lt; 0.01 pp", "0.0090%", "301,597", "90,388", "1.23 µs", "0 s", "b"].slice(0, 10));
    expect(cells.slice(10)).toEqual(["2.01%", "2.03%", "0.02 pp", "0.0200%", "12", "0", "10 ns", "2 ns"]);
    expect(html).not.toMatch(/>mean ns<|>sd ns</);
    expect(html).toContain(">mean (time)<");
    expect(html).not.toContain("overflow-wrap:anywhere"); // words are not broken mid-word
    expect(formatCell(90388.3)).toBe("90,388");
    show([{ trapsPerExit: 12.226 }, { trapsPerExit: 101.7 }]);
    expect([...String(got[1]!.d.data["text/html"]).matchAll(/<td class="num">([^<]*)<\/td>/g)].map((m) => m[1])).toEqual(["12.2", "101.7"]); // one precision per column
  });

  it("show: one quantity, one precision (two decimals, as the prose), tiny values not 0; switches on/off, other booleans yes/no; no 'time (time)'", () => {
    const got = capture();
    show([
      { statistic: "mean", wallReduction: 0.021976, wallReductionCi95: 0.00083, nv2: true, leafFp: true, timeNs: 1500, baselineSeconds: 2 },
      { statistic: "lowest", wallReduction: 0.00002, wallReductionCi95: 0.00002, nv2: false, leafFp: false, timeNs: 10, baselineSeconds: 1 },
    ]);
    const html = String(got[0]!.d.data["text/html"]);
    const cells = [...html.matchAll(/<td class="(?:num|text)">([^<]*)<\/td>/g)].map((m) => m[1]!);
    expect(cells).toEqual(["mean", "2.20%", "0.0830%", "on", "yes", "1.5 µs", "2 s", "lowest", "&lt; 0.01%", "0.0020%", "off", "no", "10 ns", "1 s"]);
    expect(html).not.toMatch(/>(true|false)</);
    expect(html).toContain(">time<");
    expect(html).not.toContain("time (time)");
    expect(html).toContain(">baseline (time)<");
  });

  it("formats for people: durations scaled, percentages, intervals over seeds", () => {
    expect(formatDuration(4764.635902604)).toBe("1.32 h");
    expect(formatDuration(34676.33e-9)).toBe("34.7 µs");
    expect(formatDuration(0.5)).toBe("500 ms");
    expect(formatPercent(0.029026)).toBe("2.90%");
    expect(formatPercentCi(summarize([0.01, 0.02, 0.03]))).toBe("2.00% (95% CI -0.48% to 4.48%, 3 seeds)");
  });

  it("conclude: a Markdown conclusion, marked for the report", () => {
    const got = capture();
    conclude("At depth 3: **2.90%**");
    expect(got[0]!.d.metadata.nestlab).toEqual({ kind: "conclusion" });
    expect(got[0]!.d.data["text/html"]).toContain("<strong>2.90%</strong>");
  });

  it("plot: one output with Vega-Lite, SVG and text", async () => {
    const got = capture();
    await plot(speedupByDepthChart([{ depth: 1, sveVl: 0, speedup: 1 }, { depth: 2, sveVl: 0, speedup: 1.1 }]));
    expect(got).toHaveLength(1);
    const data = got[0]!.d.data;
    expect(Object.keys(data)).toEqual(["application/vnd.vegalite.v5+json", "image/svg+xml", "text/plain"]);
    expect(typeof data["application/vnd.vegalite.v5+json"]).toBe("object");
    expect(String(data["image/svg+xml"])).toMatch(/^<svg/);
  });

  it("progress updates one display in place; record carries its value", () => {
    const got = capture();
    const p = progress("sweep");
    p.update(0, 2);
    p.finish();
    expect(got.length).toBe(2);
    const id = got[0]!.d.transient?.display_id;
    expect(id).toBeTruthy();
    expect(got.map((g) => [g.d.transient?.display_id, Boolean(g.update)])).toEqual([[id, false], [id, true]]);
    // marked as progress: the report leaves it out
    expect(got.map((g) => (g.d.metadata.nestlab as { kind: string }).kind)).toEqual(["progress", "progress"]);
    expect(isProgressOutput({ output_type: "display_data", data: got[1]!.d.data, metadata: got[1]!.d.metadata as { [k: string]: unknown } })).toBe(true);
    expect(isProgressOutput({ output_type: "display_data", data: { "text/html": '<div class="nestlab-progress">x</div>' }, metadata: {} })).toBe(true);
    expect(isProgressOutput({ output_type: "display_data", data: { "text/html": "<table></table>" }, metadata: { nestlab: { kind: "table" } } })).toBe(false);
    record("cfg", { seed: 1n });
    expect(got[2]!.d.metadata.nestlab).toEqual({ kind: "record", name: "cfg", value: { seed: "1" } });
  });

  it("quick mode from NESTLAB_QUICK", () => {
    expect(quick()).toBe(false);
    process.env.NESTLAB_QUICK = "1";
    expect(pick([1, 2, 3], [1])).toEqual([1]);
  });

  it("markdown for the report", () => {
    expect(markdownToHtml("# T\n\nsome `x<y` and **b**\n\n- a\n- b")).toBe("<h1>T</h1>\n<p>some <code>x&lt;y</code> and <strong>b</strong></p>\n<ul><li>a</li><li>b</li></ul>");
  });
});
