import { originalPositionFor } from '@jridgewell/trace-mapping';
import type { LoadedMap } from './loadSourceMap';

/**
 * The original name of the function a mapped frame is in. Minifiers rename functions, and the
 * stack only has the new name (`C`); its declaration in the built file (`function C(`, `C=(…)=>`,
 * `C=async function`), the closest one before the frame's position, is mapped, and the map's
 * `names` entry there is the name the developer wrote. Without one the built name is kept.
 */
export function originalFunctionName(
  loaded: LoadedMap,
  generatedName: string | undefined,
  line: number,
  column: number,
): string | undefined {
  if (!loaded.code || !generatedName || generatedName === '?') return undefined;
  const short = generatedName.slice(generatedName.lastIndexOf('.') + 1);
  if (!/^[A-Za-z_$][\w$]*$/.test(short)) return undefined;
  const name = short.replace(/\$/g, '\\$');
  const fn = '(?:async\\s*)?(?:function\\b|\\(|[A-Za-z_$][\\w$]*\\s*=>)';
  const declaration = new RegExp(
    `\\bfunction\\s*\\*?\\s*(${name})\\s*\\(|(?<![\\w$.])(${name})\\s*[=:]\\s*${fn}`,
    'dg',
  );
  loaded.lines ??= loaded.code.split('\n');
  const lines = loaded.lines;
  for (let l = Math.min(line, lines.length) - 1; l >= 0 && l >= line - 2000; l--) {
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
