import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hvcTraceLines } from "../../docs/examples/hvc-trace";
import { runCli } from "../../lib/cli/main";
import { defaultModelConfig } from "../../lib/kvm/config";
import { runMicro } from "../../lib/micro/micro";

/** The worked example of docs/model.md quotes real output: these tests keep it what the commands print today. */

const DOC = readFileSync(join(__dirname, "..", "..", "docs", "model.md"), "utf8");
const PROSE = DOC.replace(/\s+/g, " ");

/** The fenced block that follows the marker `<!-- output: what -->`. */
function quoted(what: string): string {
  const at = DOC.indexOf(`<!-- output: ${what} -->`);
  expect(at, `an output block for '${what}' in docs/model.md`).toBeGreaterThanOrEqual(0);
  const m = /```[a-z]*\n([\s\S]*?)\n```/.exec(DOC.slice(at));
  expect(m, `a fenced block after the '${what}' marker`).not.toBeNull();
  return m![1]!;
}

async function cli(...argv: string[]): Promise<string> {
  let out = "";
  const code = await runCli(argv, { out: (t) => void (out += t), err: () => undefined });
  expect(code).toBe(0);
  return out;
}

const fmt = (v: number): string => v.toLocaleString("en-US");
const micro = (depth: number, over: { patch?: number[]; leafFp?: boolean } = {}) =>
  runMicro(defaultModelConfig({ depth, ...(over.patch ? { patch: over.patch } : {}) }), { op: "hvc", iterations: 8, leafFp: over.leafFp ?? false });

describe("docs/model.md, the worked example", () => {
  it("quotes `micro hvc --depth 2 --json` as it prints", async () => {
    const printed = JSON.parse(await cli("micro", "hvc", "--depth", "2", "--json")) as unknown;
    expect(JSON.parse(quoted("micro hvc --depth 2 --json"))).toEqual(printed);
  });

  it("quotes docs/examples/hvc-trace.ts as it prints", () => {
    expect(quoted("docs/examples/hvc-trace.ts").split("\n")).toEqual(hvcTraceLines());
  });

  it("the trace ends where micro's iteration does", () => {
    const last = hvcTraceLines().at(-1) ?? "";
    expect(last).toContain(`level=2 ec=HVC64 reason=hvc owner=1 cycles=${micro(2).cycles}`);
  });

  it("quotes the other figures of its prose as the model computes them", () => {
    const d1 = micro(1);
    expect(PROSE).toContain(`gives ${fmt(d1.cycles)} cycles and ${d1.l0Traps} L0 trap`);
    const d2 = micro(2);
    expect(PROSE).toContain(`cost ${d2.l0Traps} L0 traps and ${fmt(d2.cycles)} cycles`);
    const [l0, l1] = d2.byLevel;
    expect(PROSE).toContain(`L0 ${fmt(l0!.cycles)} and L1 ${fmt(l1!.cycles)}`);
    expect(PROSE).toContain(`\`vncrAccesses\` ${l1!.vncrAccesses}`);
    expect(PROSE).toContain(`2 x ${fmt(d2.cycles)} cycles`);
    const unpatched = micro(2, { patch: [] });
    expect(PROSE).toContain(`the same command gives ${fmt(unpatched.cycles)} cycles`);
    const fpUnpatched = micro(2, { patch: [], leafFp: true });
    expect([fpUnpatched.fpSaves, fpUnpatched.fpTraps, fpUnpatched.fpRestores]).toEqual([1, 1, 1]);
    expect(PROSE).toContain(`${fpUnpatched.l0Traps} L0 traps, ${fmt(fpUnpatched.cycles)} cycles)`);
    const fpPatched = micro(2, { leafFp: true });
    expect(PROSE).toContain(`gives ${fmt(fpPatched.cycles)} cycles and ${fpPatched.l0Traps} L0 traps again`);
    expect(PROSE).toContain(`takes ${micro(3).l0Traps} L0 traps`);
  });
});
