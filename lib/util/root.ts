import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * The project's root: the nearest directory above this module holding package.json. Found by walking up rather than by
 * a fixed number of `..`, because this code runs from lib/ (sources, tslab, vitest) and from dist/ (the build).
 */
export function projectRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (existsSync(join(dir, "package.json"))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = up;
  }
}
