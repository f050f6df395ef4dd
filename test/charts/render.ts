import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { PALETTE } from "../../lib/index";

/**
 * What a reader would see wrong in a chart, found by rendering it with vega (no browser): warnings from Vega-Lite and
 * Vega (e.g. "Log scale domain includes zero", which leaves a log-scale bar chart empty), bar/rect layers none of whose
 * items has an extent both ways (an empty chart), NaN in the drawing, more colour categories than the palette has
 * colours or two categories sharing a colour, and axis titles that are not one of the titles the spec declares
 * (Vega-Lite joins different titles of layers sharing an axis: "wall-clock reduction, lo").
 */
export async function renderProblems(spec: TopLevelSpec): Promise<string[]> {
  const problems: string[] = [];
  const warnings: string[] = [];
  let level = vega.Warn;
  interface Logger {
    level(l?: number): number | Logger;
    error(...a: unknown[]): Logger;
    warn(...a: unknown[]): Logger;
    info(): Logger;
    debug(): Logger;
  }
  const logger: Logger = {
    level(l?: number): number | Logger {
      if (l === undefined) return level;
      level = l;
      return logger;
    },
    error: (...a: unknown[]): Logger => (warnings.push(`error: ${a.map(String).join(" ")}`), logger),
    warn: (...a: unknown[]): Logger => (warnings.push(a.map(String).join(" ")), logger),
    info: () => logger,
    debug: () => logger,
  };
  const compiled = compile(spec, { logger: logger as never }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none", logger: logger as never });
  let svg = "";
  try {
    await view.runAsync();
    svg = await view.toSVG();
    for (const name of ["color", "fill", "stroke"]) {
      type Scale = { domain(): unknown[]; range(): unknown[] };
      let scale: Scale | undefined;
      try {
        scale = view.scale(name) as unknown as Scale | undefined;
      } catch {
        scale = undefined;
      }
      if (!scale || typeof scale.domain !== "function") continue;
      const domain = scale.domain();
      const range = scale.range();
      if (typeof range[0] !== "string" || !String(range[0]).startsWith("#")) continue; // a continuous scheme
      if (domain.length > PALETTE.length) problems.push(`${domain.length} colour categories, more than the palette's ${PALETTE.length}`);
      const used = domain.map((_d, i) => String(range[i % range.length]).toLowerCase());
      if (new Set(used).size < domain.length) problems.push(`colour categories share a colour: ${domain.map((d, i) => `${String(d)}=${used[i]}`).join(", ")}`);
    }
  } finally {
    view.finalize();
  }
  for (const w of warnings) problems.push(`warning: ${w}`);
  if (/NaN|Infinity/.test(svg)) problems.push("NaN or Infinity in the drawing");
  // rect layers: at least one item with width and height of a pixel or more
  const layers = new Map<string, boolean>();
  for (const g of svg.matchAll(/<g class="mark-rect role-mark ([^"]*)"[^>]*>(.*?)<\/g>/g)) {
    const name = g[1]!;
    const drawn = [...g[2]!.matchAll(/ d="M[-\d.e]+,[-\d.e]+h([-\d.e]+)v([-\d.e]+)/g)].some((m) => Math.abs(Number(m[1])) >= 1 && Math.abs(Number(m[2])) >= 1);
    layers.set(name, (layers.get(name) ?? false) || drawn);
  }
  for (const [name, drawn] of layers) if (!drawn) problems.push(`bar/rect layer ${name} draws nothing visible`);
  // axis titles: each one the spec declares, never two joined
  const declared = new Set<string>();
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (x !== null && typeof x === "object") {
      for (const [k, v] of Object.entries(x)) {
        if (k === "title" && typeof v === "string") declared.add(v);
        else if (k !== "data") walk(v);
      }
    }
  };
  walk(spec);
  for (const m of svg.matchAll(/<g class="mark-text role-axis-title"[^>]*>.*?<text[^>]*>([^<]*)<\/text>/g)) {
    const title = m[1]!.replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#x27;|&#39;/g, "'");
    if (!declared.has(title)) problems.push(`axis title '${title}' is not a title the spec declares (joined or a field name)`);
    if (title.endsWith("…")) problems.push(`axis title cut off: ${title}`);
  }
  return problems;
}
