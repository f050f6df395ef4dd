/**
 * nestlab public API: the only door into the library (notebooks and tools import from here).
 *
 * Pipeline: ModelConfig (lib/kvm/config) -> Machine (lib/engine/machine: the exact nesting engine running the KVM
 * paths of lib/kvm/paths at every level, costed by lib/costs/table) -> drivers (lib/micro) -> results.
 */
export { EXCEPTION_CLASSES, type ExceptionClass } from "./arch/exceptions";
export { fpStateBytes, SVE_VECTOR_LENGTHS, type SveVectorLength } from "./arch/sve";
export { resolveGuestHypAccess, type SysRegClass, type SysRegName, SYSREGS } from "./arch/sysregs";
export { COST_NAMES, type CostBasis, type CostEntry, type CostName, type Costs, COSTS, defaultCosts } from "./costs/table";
export { COUNTER_FIELDS, type CounterField, type LevelCounters } from "./engine/counters";
export {
  Machine,
  MECHANISMS,
  type Mechanism,
  Trap,
  type TrapEvent,
  trapEvent,
  type TrapReason,
} from "./engine/index";
export { defaultModelConfig, type GuestHypFlavour, MAX_DEPTH, type ModelConfig, validateModelConfig } from "./kvm/config";
export { PATH_DEFS, type PathName, PATHS } from "./kvm/paths";
export { MICRO_OPS, type MicroOp, type MicroResult, runMicro } from "./micro/micro";
export { ConfigError, LimitError } from "./util/errors";
// instrumentation (lib/trace): tracepoints, subscriptions, collectors, export
export {
  type ExitHow,
  type FieldDef,
  recordKey,
  type TraceEc,
  type TraceFields,
  TRACE_GROUPS,
  type TraceGroup,
  TRACEPOINT_NAMES,
  TRACEPOINTS,
  type TracepointDef,
  type TracepointName,
  type TraceReason,
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
  type StatEventRow,
  type StatExitRow,
  type StatSummary,
} from "./trace/collectors";
export {
  type ChromeTrace,
  chromeTrace,
  type ChromeTraceEvent,
  type ChromeTraceOptions,
  ChromeTraceWriter,
  formatFtrace,
  FTRACE_HEADER,
  ftraceText,
  ftraceTimestamp,
} from "./trace/export";
export { AtomicFileSink, ChunkedWriter, RingBuffer } from "./trace/sink";
export { runTraced, TRACE_DEFAULTS } from "./trace/run";
// sweeps (lib/sweep): axes, grids, the worker pool, resumable and sharded output, arquero tables
export { type Axis, AXES, type AxisType, type AxisValue, COST_AXES, findAxis, SEED_AXIS } from "./sweep/axes";
export {
  deriveSeeds,
  type GridInput,
  gridSpec,
  planSpec,
  planSweep,
  readGridFile,
  type SkippedPoint,
  type SweepPlan,
  type SweepPoint,
  type SweepSpec,
} from "./sweep/grid";
export { pointRunOptions, type RunParams, runPoint } from "./sweep/point";
export { type Cell, type ColumnInfo, type ColumnType, METRIC_COLUMNS, type SweepRow } from "./sweep/rows";
export { readResults, type ResultsDocument, type ShardInfo, writeResults } from "./sweep/output";
export { mergeDirs, mergeResults } from "./sweep/merge";
export { parseShard, runSweep, type SweepOptions, type SweepProgress } from "./sweep/sweep";
export { loadResultsTable, resultsTable, seedSummary, type SeedSummaryOptions, speedupTable, type SpeedupOptions, t95 } from "./sweep/table";
// fixed-work runs and compare (lib/run), workload profiles (lib/workload)
export { RUN_DEFAULTS, type RunOptions, type RunResult, runWorkload } from "./run/run";
export { type Attribution, type CompareResult, compareRuns, runCompare } from "./run/compare";
export { loadProfile, PROFILE_NAMES, PROFILES, type WorkloadProfile } from "./workload/profiles";
// charts (lib/charts): Vega-Lite v5 spec builders, returning vega-lite's TopLevelSpec
export {
  adoptionChart,
  attributionChart,
  type ChartData,
  type ChartOptions,
  type ChartRow,
  sensitivityBandChart,
  speedupByDepthChart,
  speedupHeatmap,
  trapsPerExitChart,
  VEGA_LITE_SCHEMA,
} from "./charts/index";
// sensitivity band (lib/run), FP/SVE correctness oracle (lib/oracle)
export { sensitivity, type SensitivityCase, type SensitivityResult, UNSOURCED_COSTS } from "./run/sensitivity";
export { FP_POLICIES, type FpPolicy } from "./kvm/policy";
export { FpOracle, type Tag, type Violation } from "./oracle/oracle";
export { checkConfig, checkExhaustive, checkRandom, type CheckResult, runSchedule, shrink, stepAlphabet } from "./oracle/check";
