import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SYSREG_ENCODINGS } from "../../lib/arch/encodings";
import { SYSREGS, type SysRegName } from "../../lib/arch/sysregs";

/** every encoding checked against the pinned tree (arch/arm64/tools/sysreg, asm/sysreg.h), when it is present */
const TREE = join(__dirname, "../../../shared/reference/linux-7.3-rc7");

describe("system register encodings", () => {
  it("every register the model can trap on has one (only SP_EL0 and DAIF, which never trap, have none)", () => {
    const missing = (Object.keys(SYSREGS) as SysRegName[]).filter((r) => SYSREG_ENCODINGS[r] === undefined);
    expect(missing.sort()).toEqual(["DAIF", "SP_EL0"]);
  });

  it.skipIf(!existsSync(TREE))("each equals the tree's Sysreg line or SYS_ definition", () => {
    const tools = readFileSync(join(TREE, "arch/arm64/tools/sysreg"), "utf8");
    const header = readFileSync(join(TREE, "arch/arm64/include/asm/sysreg.h"), "utf8");
    const families: Record<string, string> = {
      DBGBCR0_EL1: "SYS_DBGBCRn_EL1\\(n\\)\\s+sys_reg\\(2, 0, 0, n, 5\\)",
      DBGBVR0_EL1: "SYS_DBGBVRn_EL1\\(n\\)\\s+sys_reg\\(2, 0, 0, n, 4\\)",
      DBGWCR0_EL1: "SYS_DBGWCRn_EL1\\(n\\)\\s+sys_reg\\(2, 0, 0, n, 7\\)",
      DBGWVR0_EL1: "SYS_DBGWVRn_EL1\\(n\\)\\s+sys_reg\\(2, 0, 0, n, 6\\)",
      ICH_AP0R0_EL2: "__SYS__AP0Rx_EL2\\(x\\)\\s+sys_reg\\(3, 4, 12, 8, x\\)",
      ICH_AP1R0_EL2: "__SYS__AP1Rx_EL2\\(x\\)\\s+sys_reg\\(3, 4, 12, 9, x\\)",
      ICH_LR0_EL2: "__SYS__LR0_EL2\\(x\\)\\s+sys_reg\\(3, 4, 12, 12, x\\)",
    };
    for (const enc of Object.values(SYSREG_ENCODINGS)) {
      const t = `${enc.op0}\\s+${enc.op1}\\s+${enc.crn}\\s+${enc.crm}\\s+${enc.op2}`;
      const fam = families[enc.name];
      const found =
        enc.source === "tools/sysreg"
          ? new RegExp(`^Sysreg\\s+${enc.name}\\s+${t}\\s*$`, "m").test(tools)
          : fam !== undefined
            ? new RegExp(fam).test(header)
            : new RegExp(`#define SYS_${enc.name}\\s+sys_reg\\(${enc.op0}, ${enc.op1}, ${enc.crn}, ${enc.crm}, ${enc.op2}\\)`).test(header);
      expect(found, `${enc.name} (${enc.source})`).toBe(true);
    }
  });
});
