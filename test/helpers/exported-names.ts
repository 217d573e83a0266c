// The names each module under src/ declares and exports itself (interfaces,
// types, classes, functions, enums, variables; re-exports are not declarations).
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import ts from 'typescript';
import { REPO_ROOT, tsFiles } from './import-graph.js';

function isExported(node: ts.Node): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

function declaredNames(statement: ts.Statement): string[] {
  if (!isExported(statement)) return [];
  if (ts.isVariableStatement(statement)) {
    return statement.declarationList.declarations.flatMap((d) => (ts.isIdentifier(d.name) ? [d.name.text] : []));
  }
  if (
    (ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement) || ts.isClassDeclaration(statement) ||
      ts.isFunctionDeclaration(statement) || ts.isEnumDeclaration(statement)) &&
    statement.name !== undefined
  ) {
    return [statement.name.text];
  }
  return [];
}

/** Exported name to the repo-relative modules that declare it. */
export function exportedDeclarations(underDir = 'src'): Map<string, string[]> {
  const byName = new Map<string, string[]>();
  for (const file of tsFiles(resolve(REPO_ROOT, underDir))) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
    const module = relative(REPO_ROOT, file).split('\\').join('/');
    // A function's overload signatures repeat its name in one module; count the module once.
    for (const name of new Set(source.statements.flatMap(declaredNames))) {
      byName.set(name, [...(byName.get(name) ?? []), module]);
    }
  }
  return byName;
}
