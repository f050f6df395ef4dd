/** What notebooks import from the Jupyter side: `import { show, plot, progress, quick } from "./kernel";` */
export { conclude, display, type DisplayBundle, formatCell, plot, type PlotOptions, progress, type Progress, record, show, type ShowOptions, showTrace, type TableLike, toSvg, type TraceViewOptions } from "./display";
export { pick, quick } from "./env";
export { columnTitle, formatCount, formatDuration, formatPercent, formatPercentCi, formatRun, significant, summarize, type Summary } from "./format";
