/** Vega-Lite v5 chart builders: pure functions from rows (or arquero tables) to vega-lite TopLevelSpecs; render with kernel/display. */
export { type AdoptionChartOptions, adoptionChart } from "./adoption";
export { type CandidatesChartOptions, candidatesChart } from "./candidates";
export { type AttributionChartOptions, attributionChart, MECHANISM_TITLES } from "./attribution";
export { claimsChart, type ExitChartOptions, exitAttributionChart, tornadoChart, type TornadoOptions } from "./explain";
export { type ClaimRange, type SensitivityBandOptions, sensitivityBandChart } from "./bands";
export { type MachineModelChartOptions, machineModelChart } from "./diff";
export { type SpeedupHeatmapOptions, speedupHeatmap } from "./heatmap";
export { type SafetyChartOptions, safetyChart } from "./safety";
export { type SpeedupByDepthOptions, speedupByDepthChart } from "./speedup";
export {
  type ChartCell,
  type ChartData,
  type ChartOptions,
  type ChartRow,
  type DataRow,
  dataValues,
  titleText,
  VEGA_LITE_SCHEMA,
} from "./spec";
export { chartConfig, FIELD_TITLES, fieldTitle, groupCategories, isPercentColumn, OKABE_ITO, PALETTE, PALETTE_NAME, SEQUENTIAL_SCHEME, TOL_EXTENSION } from "./style";
export {
  type TimelineOptions,
  type TimelineRow,
  traceTimeline,
  traceTimelineChart,
  TRAP_CAUSES,
  trapCause,
  type TrapSlice,
  trapSlices,
  trapTreeChart,
  type TrapTreeOptions,
} from "./trace";
export { type TrapsPerExitOptions, trapsPerExitChart } from "./traps";
