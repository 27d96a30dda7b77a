import { originalPositionFor, sourceContentFor } from '@jridgewell/trace-mapping';
import type { LoadedMap } from './loadSourceMap';

/** How far back (characters) the enclosing function of an anonymous frame is looked for. */
const MAX_SCAN_CHARS = 200_000;
/** How many lines back a declaration or an enclosing function is looked for. */
const MAX_SCAN_LINES = 2000;
/** Words before `(…) {` that open a block, not a function. */
const BLOCK_KEYWORDS = new Set(['if', 'for', 'while', 'switch', 'catch', 'with']);

/**
 * The original name of the function a mapped frame is in, from the map's `names`.
 *
 * A named frame: minifiers rename functions, and the stack only has the new name (`C`); its
 * declaration in the built file (`function C(`, `C=(…)=>`, `C=async function`), the closest one
 * before the frame's position, is mapped, and the map's `names` entry there is the name the
 * developer wrote.
 *
 * An anonymous frame (no name, or the SDK's `?`): the function passed to a wrapper and bound to a
 * name, as bundlers compile `export const GET = withUser(async () => …)` into
 * `let t=(0,e.f)(async()=>{…})`. The enclosing function's binding (`t`) is mapped, and the map's
 * `names` entry there (`GET`) is the name (or, in a map without `names`, the binding itself when the
 * original source has it there). Only a binding directly around the function (through
 * wrapper calls such as `f(` or `(0,a.b)(`, never `a.then(`) names it.
 *
 * `undefined` (keep the built name) without the built file's text or a name in the map.
 */
export function originalFunctionName(
  loaded: LoadedMap,
  generatedName: string | undefined,
  line: number,
  column: number,
): string | undefined {
  if (!loaded.code) return undefined;
  loaded.lines ??= loaded.code.split('\n');
  if (!generatedName || generatedName === '?') {
    return anonymousFunctionName(loaded, loaded.lines, line, column);
  }
  const short = generatedName.slice(generatedName.lastIndexOf('.') + 1);
  if (!/^[A-Za-z_$][\w$]*$/.test(short)) return undefined;
  const name = short.replace(/\$/g, '\\$');
  const fn = '(?:async\\s*)?(?:function\\b|\\(|[A-Za-z_$][\\w$]*\\s*=>)';
  const declaration = new RegExp(
    `\\bfunction\\s*\\*?\\s*(${name})\\s*\\(|(?<![\\w$.])(${name})\\s*[=:]\\s*${fn}`,
    'dg',
  );
  const lines = loaded.lines;
  for (let l = Math.min(line, lines.length) - 1; l >= 0 && l >= line - MAX_SCAN_LINES; l--) {
    const text = l === line - 1 ? (lines[l] as string).slice(0, column) : (lines[l] as string);
    let at: number | undefined;
    for (const match of text.matchAll(declaration)) {
      at = (match.indices?.[1] ?? match.indices?.[2])?.[0];
    }
    if (at === undefined) continue;
    const original = originalPositionFor(loaded.map, { line: l + 1, column: at });
    return original.name ?? undefined;
  }
  return undefined;
}

/** The built code before a position, as one string, and the line it starts on. */
interface Before {
  text: string;
  /** The 1-based line of `text`'s first line. */
  firstLine: number;
}

/** The map's name of the binding of the anonymous function around (`line`, `column`). */
function anonymousFunctionName(
  loaded: LoadedMap,
  lines: string[],
  line: number,
  column: number,
): string | undefined {
  if (line < 1 || line > lines.length) return undefined;
  const before = textBefore(lines, line, column);
  const start = enclosingFunctionStart(before.text);
  if (start === undefined) return undefined;
  // `t=` / `t:` then wrapper calls (`f(`, `(0,e.i(1).f)(`) up to the function.
  const binding =
    /(?<![\w$.])([A-Za-z_$][\w$]*)\s*[=:]\s*(?:(?:\(\s*0\s*,\s*[\w$.]+(?:\(\d+\))?[\w$.]*\s*\)|[A-Za-z_$][\w$]*)\s*\(\s*)*$/d.exec(
      before.text.slice(Math.max(0, start - 300), start),
    );
  const at = binding?.indices?.[1]?.[0];
  if (at === undefined) return undefined;
  const head = before.text.slice(0, Math.max(0, start - 300) + at);
  const original = originalPositionFor(loaded.map, {
    line: before.firstLine + head.split('\n').length - 1,
    column: head.length - (head.lastIndexOf('\n') + 1),
  });
  if (original.name) return original.name;
  // A map without `names` (code that was not minified): the binding as built, when the original
  // source has that same name at the mapped position.
  const built = binding?.[1] as string;
  if (original.source === null || original.line === null) return undefined;
  const source = sourceContentFor(loaded.map, original.source)?.split('\n')[original.line - 1];
  const written = source?.slice(original.column, original.column + built.length + 1) ?? '';
  return written.startsWith(built) && !/[\w$]/.test(written.slice(built.length))
    ? built
    : undefined;
}

/** Up to {@link MAX_SCAN_CHARS} characters of the built code before (`line`, `column`). */
function textBefore(lines: string[], line: number, column: number): Before {
  const parts = [(lines[line - 1] as string).slice(0, column)];
  let size = (parts[0] as string).length;
  let first = line;
  while (first > 1 && line - first < MAX_SCAN_LINES && size < MAX_SCAN_CHARS) {
    first--;
    const text = lines[first - 1] as string;
    parts.unshift(text);
    size += text.length + 1;
  }
  return { text: parts.join('\n'), firstLine: first };
}

/**
 * Where the innermost function around the end of `code` starts (its `async`, `function` or
 * parameters), found by walking back over balanced braces to each enclosing `{` and keeping the
 * first that opens a function body: after `=>`, or after `function (…)`. `undefined` inside a
 * method or a named function (V8 names those frames), or when there is none.
 */
function enclosingFunctionStart(code: string): number | undefined {
  let depth = 0;
  for (let i = code.length - 1; i >= 0; i--) {
    const c = code[i];
    if (c === '}') depth++;
    else if (c === '{' && depth > 0) depth--;
    else if (c === '{') {
      const opener = functionOpening(code, i);
      if (opener === 'method') return undefined;
      if (opener !== undefined) return opener;
    }
  }
  return undefined;
}

/**
 * For the `{` at `brace`: the start of the function whose body it opens, `method` when it opens a
 * method's or named function's body, or `undefined` for any other block.
 */
function functionOpening(code: string, brace: number): number | 'method' | undefined {
  let i = skipSpaceBack(code, brace - 1);
  if (code[i] === '>' && code[i - 1] === '=') {
    i = skipSpaceBack(code, i - 2);
    if (code[i] === ')') i = matchingParen(code, i);
    else i = identifierStart(code, i);
    if (i < 0) return undefined;
    return withAsync(code, i);
  }
  if (code[i] !== ')') return undefined;
  const open = matchingParen(code, i);
  if (open < 0) return undefined;
  const end = skipSpaceBack(code, open - 1);
  const word = code.slice(identifierStart(code, end), end + 1);
  if (word === 'function') return withAsync(code, identifierStart(code, end));
  if (BLOCK_KEYWORDS.has(word)) return undefined;
  return 'method';
}

/** `at` moved back over a preceding `async`. */
function withAsync(code: string, at: number): number {
  const end = skipSpaceBack(code, at - 1);
  const start = identifierStart(code, end);
  return code.slice(start, end + 1) === 'async' ? start : at;
}

function skipSpaceBack(code: string, i: number): number {
  while (i >= 0 && /\s/.test(code[i] as string)) i--;
  return i;
}

/** The start of the identifier ending at `end` (`end + 1` when there is none). */
function identifierStart(code: string, end: number): number {
  let i = end;
  while (i >= 0 && /[\w$]/.test(code[i] as string)) i--;
  return i + 1;
}

/** The `(` matching the `)` at `close`, or -1. */
function matchingParen(code: string, close: number): number {
  let depth = 0;
  for (let i = close; i >= 0; i--) {
    if (code[i] === ')') depth++;
    else if (code[i] === '(' && --depth === 0) return i;
  }
  return -1;
}
