import { isAbsolute } from 'node:path';
import { isIgnored, originalPositionFor } from '@jridgewell/trace-mapping';
import type { StackFrame } from './event';
import { isNodeModules, sourcePath } from './framePath';
import { type LoadedMap, loadSourceMap } from './loadSourceMap';
import { originalFunctionName } from './originalFunctionName';

/** How many more built files one event may look up maps for, and the ones it already did. */
export interface MapBudget {
  maps: number;
  mapFiles: Set<string>;
}

/** Where a mapped frame's code was written. */
export interface MappedFrame {
  /** The original source as a path (or as the map names it, when that is not a file URL). */
  path: string;
  /** The map's name of the source, the key of its `sourcesContent`. */
  source: string;
  map: LoadedMap;
  /** The map puts the source on its `ignoreList`. */
  ignored: boolean;
}

/**
 * Maps a frame of built code (`generated`, the file it ran from) through the file's source map:
 * sets the original `lineno`, `colno` and function name (from the map's `names`, for a renamed
 * or an anonymous function) on `frame` and says where the source
 * is. `undefined`, with the frame untouched, when the file is not absolute, is a dependency's,
 * has no map, the map has nothing at the position, or the event's map budget is spent.
 */
export async function mapFrame(
  frame: StackFrame,
  generated: string,
  budget: MapBudget,
): Promise<MappedFrame | undefined> {
  if (!isAbsolute(generated) || isNodeModules(generated) || !frame.lineno) return undefined;
  if (!budget.mapFiles.has(generated)) {
    if (budget.maps <= 0) return undefined;
    budget.mapFiles.add(generated);
    budget.maps--;
  }
  const loaded = await loadSourceMap(generated);
  if (!loaded) return undefined;
  const line = frame.lineno;
  const column = Math.max(0, (frame.colno ?? 1) - 1);
  const position = originalPositionFor(loaded.map, { line, column });
  if (position.source === null) return undefined;
  frame.lineno = position.line;
  frame.colno = position.column + 1;
  const ignored = isIgnored(loaded.map, position.source);
  const name = originalFunctionName(loaded, frame.function, line, column);
  // Keep V8's receiver prefix (`Object.`, `Router.`): only the minified part is renamed. An
  // anonymous frame (`?`) takes the name of the binding the map gives it.
  if (name) {
    const fn = frame.function ?? '';
    frame.function = fn.slice(0, fn.lastIndexOf('.') + 1) + name;
  }
  return { path: sourcePath(position.source), source: position.source, map: loaded, ignored };
}
