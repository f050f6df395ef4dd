/**
 * What a notebook may read about how it runs. `npm run report -- --quick` (or NESTLAB_QUICK=1) asks notebooks for
 * smaller grids, as CI does; the report sets NESTLAB_QUICK for every notebook it executes.
 */
export function quick(): boolean {
  const v = process.env.NESTLAB_QUICK;
  return v !== undefined && v !== "" && v !== "0" && v !== "false";
}

/** `full` normally, `small` in quick mode: `const depths = pick([1, 2, 3, 4, 5], [1, 2]);` */
export function pick<T>(full: T, small: T): T {
  return quick() ? small : full;
}
