/**
 * nestlab's public door: what notebooks and users need. The engine's workings (the hot core, trap events, paths, the
 * register table, steps and handlers, the memo, the Engine interface) come from lib/engine/index.ts.
 *
 * The pipeline as it is:
 *   ModelConfig (lib/kvm/config: hardware features, depth, each level's kernel)
 *     -> Machine (lib/engine/machine: the nesting engine; at every level it runs the KVM paths of lib/kvm/paths.ts
 *        and the KVM behaviour beside them in lib/kvm, costed by lib/costs/table.ts; exact or memoized "fast")
 *     -> drivers: runMicro (lib/micro: one leaf operation in a loop), runWorkload / runCompare (lib/run: a fixed-work
 *        leaf event stream from a workload profile, lib/workload), checkRandom / checkExhaustive (lib/oracle: FP/SVE
 *        integrity under random or all bounded schedules), runSweep (lib/sweep: grids over all of these, in worker
 *        threads, resumable)
 *     -> results: plain data with exact BigInt totals; arquero tables (lib/sweep/table), Vega-Lite specs
 *        (lib/charts), tracepoint records (lib/trace: subscribe, collectors, Chrome/ftrace export).
 */

// configuration, unit costs, workloads
export { SVE_VECTOR_LENGTHS, type SveVectorLength } from "./arch/sve";
export { COST_NAMES, type CostBasis, type CostEntry, type CostName, type Costs, COSTS, defaultCosts } from "./costs/table";
export { defaultModelConfig, type GuestHypFlavour, MAX_DEPTH, type ModelConfig, validateModelConfig } from "./kvm/config";
export { FP_POLICIES, type FpPolicy } from "./kvm/policy";
export { PROFILE_NAMES, PROFILES, type WorkloadProfile } from "./workload/profiles";
export { loadProfile } from "./workload/load";
export { ConfigError, LimitError } from "./util/errors";

// one machine, driven event by event (a single exit's trap tree, traced)
export {
  applyHostEvent,
  applyLeafEvent,
  COUNTER_FIELDS,
  type CounterField,
  HOST_EVENTS,
  type HostEvent,
  LEAF_EVENTS,
  type LeafEvent,
  type LevelCounters,
  Machine,
  type MachineOptions,
  MECHANISMS,
  type Mechanism,
} from "./engine/index";

// drivers: micro benchmarks, fixed-work runs and compare, the sensitivity band, FP/SVE checks
export { MICRO_OPS, type MicroOp, type MicroOptions, type MicroResult, runMicro } from "./micro/micro";
export { RUN_DEFAULTS, type RunOptions, type RunResult, runWorkload } from "./run/run";
export { type Attribution, type CompareResult, compareRuns, runCompare } from "./run/compare";
export { sensitivity, type SensitivityCase, type SensitivityResult, UNSOURCED_COSTS } from "./run/sensitivity";
export { SAVING_MECHANISMS, type SavingBucket, type SavingMechanism, savingBuckets } from "./run/compare";
export { EXIT_PARTS, EXIT_WINDOW_MS, type ExitAttribution, exitAttribution, type ExitDiffRow, exitDiff, type ExitPart, type ExitRow } from "./run/exit";

// explain: what would have to change for the claims to hold; the claims and the compare table over seeds
export { EXPLAIN_DEFAULTS, type ExplainChange, type ExplainEntry, type ExplainOptions, type ExplainResult, type ExplainScanRow, explain, parseTarget } from "./explain/explain";
export type { Evaluation, Implications } from "./explain/evaluate";
export { explainInputs, type ExplainInput, MODEL_INPUTS, PROFILE_INPUTS, RUN_INPUTS } from "./explain/inputs";
export { type Claim, CLAIMS, type ClaimRow, claimsTable, compareTable, type CompareTableRow, HEADLINE_SEEDS, type SeedOptions } from "./explain/claims";
export { exitChartRows, explainTableRows, sensitivityTornadoRows, tornadoRows } from "./explain/tables";
export { type CheckConfig, checkConfig, checkExhaustive, checkRandom, type CheckResult, type FirstViolation } from "./oracle/check";

// sweeps: grids, runs in worker threads, result files, arquero tables
export { type Axis, AXES, COST_AXES, findAxis } from "./sweep/axes";
export { type GridInput, planSweep, readGridFile, type SkippedPoint, type SweepPlan } from "./sweep/grid";
export { type ColumnInfo, type SweepRow } from "./sweep/rows";
export { readResults, type ResultsDocument } from "./sweep/output";
export { mergeDirs, mergeResults } from "./sweep/merge";
export { runSweep, type SweepOptions, type SweepProgress } from "./sweep/sweep";
export { loadResultsTable, resultsTable, seedSummary, type SeedSummaryOptions, speedupTable, type SpeedupOptions, t95 } from "./sweep/table";

// tracing: tracepoints, subscriptions, collectors, export
export {
  type TraceGroup,
  TRACEPOINT_NAMES,
  TRACEPOINTS,
  type TracepointName,
  type TraceRecord,
  type TraceRecordOf,
} from "./trace/tracepoints";
export { type Disposer, isTraced, selectTracepoints, subscribe, type TraceCallback, type TraceFilter, type TraceSelector } from "./trace/bus";
export {
  attach,
  type AttributionRow,
  attributionTable,
  type Collector,
  CounterCollector,
  type CounterRow,
  machineAttribution,
  StatCollector,
  type StatSummary,
} from "./trace/collectors";
export { type ChromeTrace, chromeTrace, type ChromeTraceOptions, formatFtrace, FTRACE_HEADER, ftraceText } from "./trace/export";
export { runTraced, TRACE_DEFAULTS } from "./trace/run";

// kernel changes as data (docs/changes.md): shipped changes, validation, and the candidates ranking
export { ACTIONS, type Action, type Adopted, type Change, type Condition, CONDITIONS, defaultLevels, type Edit, touchesFp, validateChange } from "./changes/change";
export { BUILTIN_CHANGES, BUILTIN_NAMES, FP_ELISION } from "./changes/builtin";
export { type Candidate, candidates, type CandidatesResult, PUTLOAD_COMPONENTS, UPPER_BOUND_NOTE } from "./changes/candidates";

// charts: Vega-Lite v5 spec builders, returning vega-lite's TopLevelSpec
export {
  adoptionChart,
  attributionChart,
  candidatesChart,
  claimsChart,
  exitAttributionChart,
  tornadoChart,
  type ChartData,
  machineModelChart,
  type ChartOptions,
  type ChartRow,
  type ClaimRange,
  type DataRow,
  fieldTitle,
  isPercentColumn,
  MECHANISM_TITLES,
  groupCategories,
  OKABE_ITO,
  PALETTE,
  PALETTE_NAME,
  safetyChart,
  sensitivityBandChart,
  speedupByDepthChart,
  speedupHeatmap,
  titleText,
  type TimelineRow,
  traceTimeline,
  traceTimelineChart,
  trapsPerExitChart,
  type TrapSlice,
  trapSlices,
  trapTreeChart,
  VEGA_LITE_SCHEMA,
} from "./charts/index";

// real machines: L0's kernel-exact trace, importing a machine's recording, machine vs model, fitting unit costs
export { KernelTraceWriter, SYNTHETIC } from "./trace/kernel";
export {
  type ExitKindRow,
  type ImportSummary,
  L0_VIEW,
  type ReasonRow,
  type SysregRow,
  TraceImporter,
  type WindowRow,
} from "./real/importer";
export { importTraceFile, importTraceText } from "./real/read";
export { exitKindsTable } from "./real/table";
export { modelKernelText, modelL0View } from "./real/model";
export { type DerivedWorkload, deriveWorkload, type DiffResult, type DiffRow, diffRows, diffTrace } from "./real/diff";
export { type FitOptions, type FitResult, fitCosts, type FittedCost } from "./real/fit";
