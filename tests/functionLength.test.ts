// No function in the shipped source (packages, apps, scripts) spans more than MAX_LINES lines:
// a longer one is split into named steps. Every function counts by its own full span, so an outer
// function that holds a long nested one is over the limit too.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { expect, it } from 'vitest';

const MAX_LINES = 80;
const root = join(__dirname, '..');
const ROOTS = ['packages/*/src', 'apps/*/src', 'apps/*/app', 'apps/*/lib', 'scripts'];
const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.next', 'test', 'tests', 'fixtures']);
const SOURCE = /\.(ts|tsx|mjs|js)$/;

// `pattern` with its one-folder wildcard (`packages/*/src`) expanded to the folders that exist.
function expand(pattern: string): string[] {
  const [parent, child] = pattern.split('/*/');
  if (child === undefined) return [join(root, pattern)];
  return readdirSync(join(root, parent))
    .map((name) => join(root, parent, name, child))
    .filter((dir) => existsSync(dir));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return SKIPPED_DIRS.has(entry.name) ? [] : sourceFiles(path);
    return SOURCE.test(entry.name) && !entry.name.includes('.test.') ? [path] : [];
  });
}

/** What a reader would call the function: its own name, or the name it is assigned to. */
function nameOf(fn: ts.FunctionLikeDeclaration, file: ts.SourceFile): string {
  if (ts.isConstructorDeclaration(fn)) return 'constructor';
  if (fn.name) return fn.name.getText(file);
  const parent = fn.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)) {
    return parent.name.getText(file);
  }
  if (ts.isCallExpression(parent) || ts.isNewExpression(parent)) {
    return `callback of ${parent.expression.getText(file)}`;
  }
  return '<anonymous>';
}

/** `file:line name (N lines)` for every function in `path` longer than MAX_LINES. */
function longFunctions(path: string): string[] {
  const file = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = file.getLineAndCharacterOfPosition(node.getStart(file)).line;
      const lines = file.getLineAndCharacterOfPosition(node.end).line - start + 1;
      if (lines > MAX_LINES) {
        found.push(`${relative(root, path)}:${start + 1} ${nameOf(node, file)} (${lines} lines)`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

it(`has no function over ${MAX_LINES} lines in packages/*/src, apps and scripts`, () => {
  const files = ROOTS.flatMap(expand).flatMap(sourceFiles).sort();
  expect(files.length).toBeGreaterThan(50);
  expect(files.flatMap(longFunctions)).toEqual([]);
});
