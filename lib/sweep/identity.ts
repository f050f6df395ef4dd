import { KERNEL } from "../kvm/kernel";
import { projectRoot } from "../util/root";

/**
 * The model's identity: `RELEASE+HASH`, the pinned kernel release (lib/kvm/kernel.ts) and a hash of the model's
 * sources (lib/util/model-id.cjs lists them). It changes whenever the model's behaviour can change; package.json's
 * version does not. Sweeps put it in their fingerprint, so --resume and merge refuse results of another model.
 *
 * The build bakes the hash in (lib/cli/build.cjs defines __NESTLAB_MODEL_HASH__); from the TypeScript sources
 * (tsx, vitest, notebooks through tslab: no import.meta, so the project root is found from __dirname) it is computed
 * from the files once per process. Both give the same value for the same sources.
 */
declare const __NESTLAB_MODEL_HASH__: string | undefined;
let fromSources: string | undefined;

export function modelIdentity(): string {
  if (typeof __NESTLAB_MODEL_HASH__ === "string") return `${KERNEL.release}+${__NESTLAB_MODEL_HASH__}`;
  if (fromSources === undefined) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { modelSourcesHash } = require("../util/model-id.cjs") as { modelSourcesHash: (root: string) => string };
    fromSources = modelSourcesHash(projectRoot());
  }
  return `${KERNEL.release}+${fromSources}`;
}
