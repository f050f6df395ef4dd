import { readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * The engine's hot modules read nothing through an imported binding at run time. Under a CommonJS loader that
 * turns every imported binding into a getter call (esbuild's interop, used by tsx and vitest), reading one per
 * simulated operation made the exact engine several times slower. So in these modules every value import is a
 * namespace import (`import * as ns`) used only at the module's top level (typically `const { a, b } = ns;`, binding
 * module-local constants), never inside a function; type-only imports are free.
 */
const HOT = [
  "lib/engine/machine.ts",
  "lib/engine/memo.ts",
  "lib/kvm/arm.ts",
  "lib/kvm/fpsimd.ts",
  "lib/kvm/handlers.ts",
  "lib/kvm/nested.ts",
  "lib/kvm/steps.ts",
  "lib/kvm/timer.ts",
  "lib/kvm/vgic.ts",
  // nestlab import: called once per line of files of gigabytes
  "lib/real/importer.ts",
  "lib/real/read.ts",
];

/** every violation of the rule in one source text */
export function hotImportViolations(file: string, text: string): string[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const out: string[] = [];
  const namespaces = new Set<string>();
  for (const st of sf.statements) {
    if (!ts.isImportDeclaration(st)) continue;
    const clause = st.importClause;
    if (!clause || clause.isTypeOnly) continue;
    const spec = (st.moduleSpecifier as ts.StringLiteral).text;
    if (clause.name) out.push(`${file}: default import from ${spec}`);
    const nb = clause.namedBindings;
    if (nb && ts.isNamespaceImport(nb)) namespaces.add(nb.name.text);
    else if (nb && ts.isNamedImports(nb)) {
      for (const el of nb.elements) if (!el.isTypeOnly) out.push(`${file}: named value import ${el.name.text} from ${spec}`);
    }
  }
  /** an identifier that names a property or member, not a binding */
  const isName = (node: ts.Identifier): boolean => {
    const p = node.parent;
    return (
      ((ts.isPropertyAccessExpression(p) || ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p) || ts.isMethodDeclaration(p) ||
        ts.isPropertySignature(p) || ts.isMethodSignature(p) || ts.isBindingElement(p)) &&
        p.name === node) ||
      (ts.isBindingElement(p) && p.propertyName === node)
    );
  };
  const visit = (node: ts.Node, inFunction: boolean): void => {
    if (ts.isIdentifier(node) && namespaces.has(node.text) && inFunction && !isName(node)) {
      const { line } = sf.getLineAndCharacterOfPosition(node.getStart());
      out.push(`${file}:${line + 1}: namespace ${node.text} read inside a function`);
    }
    const fn = ts.isFunctionLike(node) && !ts.isTypeNode(node);
    ts.forEachChild(node, (c) => visit(c, inFunction || fn));
  };
  visit(sf, false);
  return out;
}

describe("hot imports", () => {
  it("the engine's hot modules bind their imports to module-local constants", () => {
    const root = join(__dirname, "..", "..");
    const violations = HOT.flatMap((f) => hotImportViolations(f, readFileSync(join(root, f), "utf8")));
    expect(violations).toEqual([]);
  });

  it("the rule catches named value imports and namespace reads inside functions", () => {
    const bad = [
      'import { F_EXITS } from "./layout";',
      'import * as layout from "./layout";',
      "const { MECH_FP } = layout;",
      "export function f(): number { return layout.NM + F_EXITS + MECH_FP; }",
    ].join("\n");
    expect(hotImportViolations("x.ts", bad)).toEqual(["x.ts: named value import F_EXITS from ./layout", "x.ts:4: namespace layout read inside a function"]);
    const good = ['import type { Trap } from "./events";', 'import * as layout from "./layout";', "const { NM } = layout;", "export const f = (t: Trap): number => NM;"].join("\n");
    expect(hotImportViolations("y.ts", good)).toEqual([]);
  });
});
