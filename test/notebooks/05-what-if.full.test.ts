import { expect } from "vitest";
import { notebookTests, tableText } from "./harness";

notebookTests("05-what-if", (outputs) => {
  // every level alone and every cumulative set is measured at each depth, so the conclusion can name the level that
  // matters most from the numbers
  const adoption = tableText(outputs, "adoption");
  for (const depth of [2, 3, 4]) {
    for (let l = 0; l < depth; l++) expect(adoption, `depth ${depth}: L${l} alone`).toMatch(new RegExp(`^\\s*${depth}\\s+L${l} alone\\s`, "m"));
    for (let k = 1; k < depth; k++) {
      const set = Array.from({ length: k + 1 }, (_, i) => `L${i}`).join("+");
      expect(adoption, `depth ${depth}: ${set}`).toMatch(new RegExp(`^\\s*${depth}\\s+${set.replace(/\+/g, "\\+")}\\s`, "m"));
    }
  }
  const conclusion = outputs.filter((o) => o.metadata?.nestlab?.kind === "conclusion").map((o) => String(o.data?.["text/markdown"] ?? "")).join("\n");
  expect(conclusion).toMatch(/Patched alone, the level that matters most is L\d at depth 3/);
  expect(conclusion).toMatch(/Without FEAT_ECV the unpatched run takes .* L0 traps instead of/);
  expect(tableText(outputs, "knobs")).toMatch(/L0 traps per leaf exit/);
});
