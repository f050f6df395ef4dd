import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { measureEl2Timer, measureInputs, renderEl2Timer, renderInputs } from "../../bench/fidelity";

/** docs/fidelity.md's studies of the EL2 timers and of the hardware and VM inputs are what the model gives today. */
const DOC = readFileSync(join(__dirname, "..", "..", "docs", "fidelity.md"), "utf8");
const block = (name: string): string => {
  const open = `<!-- figures: ${name} -->\n`;
  const at = DOC.indexOf(open);
  expect(at, name).toBeGreaterThan(0);
  return DOC.slice(at + open.length, DOC.indexOf("<!-- /figures -->", at));
};

describe("docs/fidelity.md studies", () => {
  it("the EL2 timers", () => {
    expect(block("el2 timer")).toBe(renderEl2Timer(measureEl2Timer()));
  });
  it("the hardware and VM inputs", () => {
    expect(block("inputs")).toBe(renderInputs(measureInputs()));
  });
});
