/** Vega-Lite v5 chart builders: pure functions from rows (or arquero tables) to vega-lite TopLevelSpecs; render with kernel/display. */
export { type AdoptionChartOptions, adoptionChart } from "./adoption";
export { type AttributionChartOptions, attributionChart } from "./attribution";
export { claimsChart, type ExitChartOptions, exitAttributionChart, tornadoChart, type TornadoOptions } from "./explain";
export { type SensitivityBandOptions, sensitivityBandChart } from "./bands";
export { type MachineModelChartOptions, machineModelChart } from "./diff";
export { type SpeedupHeatmapOptions, speedupHeatmap } from "./heatmap";
export { type SpeedupByDepthOptions, speedupByDepthChart } from "./speedup";
export {
  type ChartCell,
  type ChartData,
  type ChartOptions,
  type ChartRow,
  type DataRow,
  dataValues,
  VEGA_LITE_SCHEMA,
} from "./spec";
export { type TrapsPerExitOptions, trapsPerExitChart } from "./traps";
