import { expect } from "vitest";
import { notebookTests, tableText } from "./harness";

/**
 * Notebook 08 (a machine's L0 trace beside the model), headless and under real Jupyter. Besides the common checks
 * (no failed cell, the named tables and the chart), what the notebook claims in its prose must hold in each run's
 * outputs: the fit on the model-generated trace finds the four changed costs again (within 5%, as
 * test/real/fit.test.ts requires of the same fit) and names neonWork unidentifiable; the hand-written fixture's
 * import sees both of its vcpu threads' exits, and the comparison has rows of each kind.
 */
const TRUTH: Readonly<Record<string, number>> = { sysregEmulCode: 150, eretEmulCode: 120, s2WalkCode: 450, injectCode: 170 };

/** the fit table's rows (text/plain: cost, default, truth, fitted, sd, status, note) */
function fitRows(text: string): Map<string, { fitted: number; status: string }> {
  const rows = new Map<string, { fitted: number; status: string }>();
  for (const line of text.split("\n")) {
    const m = /^\s*(\w+)\s+([\d,.]+)\s+([\d,.]+)\s+([\d,.]+)\s+([\d,.]+)\s+(\w+)/.exec(line);
    if (m !== null) rows.set(m[1]!, { fitted: Number(m[4]!.replace(/,/g, "")), status: m[6]! });
  }
  return rows;
}

notebookTests("08-real-trace", (outputs, run) => {
  const fit = fitRows(tableText(outputs, "fit"));
  for (const [cost, truth] of Object.entries(TRUTH)) {
    const r = fit.get(cost);
    expect(r, `${run}: fit row ${cost}`).toBeDefined();
    expect(r!.status, `${run}: ${cost}`).toBe("identified");
    expect(Math.abs(r!.fitted - truth) / truth, `${run}: ${cost} fitted ${r!.fitted}, true ${truth}`).toBeLessThan(0.05);
  }
  expect(fit.get("neonWork")?.status, `${run}: neonWork`).toBe("unidentifiable");

  const kinds = tableText(outputs, "exit-kinds");
  expect(kinds, `${run}: exit kinds of both contexts`).toMatch(/\bnested\b/);
  expect(kinds, `${run}: exit kinds of both contexts`).toMatch(/\bhyp\b/);
  const diff = tableText(outputs, "machine-vs-model");
  for (const section of ["exits per second", "time per exit"]) expect(diff, `${run}: ${section} rows`).toContain(section);
});
