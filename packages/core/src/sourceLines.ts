// The lines of a frame's source, for its context lines: the source map's `sourcesContent` entry
// when it has one, else the file itself. Cached (bounded), files over 1 MB skipped.

import { isAbsolute } from 'node:path';
import { sourceContentFor } from '@jridgewell/trace-mapping';
import type { LoadedMap } from './loadSourceMap';
import { Lru } from './lru';
import { outsideUnits } from './outsideUnits';
import { readText } from './readText';

/** Source files (and `sourcesContent` entries) larger than this get no context lines. */
export const MAX_SOURCE_BYTES = 1_000_000;
const MAX_CACHED_SOURCES = 32;

const sources = new Lru<string, Promise<string[] | null>>(MAX_CACHED_SOURCES);

/** Forgets every cached source (tests). */
export function clearSourceLineCache(): void {
  sources.clear();
}

/**
 * The lines of the source a frame points at: `source`'s content in `map` when the frame was
 * mapped and the map carries it, else the file at `path` when that is absolute. `null` when
 * neither can be had (missing, unreadable, too large). Never rejects.
 */
export async function sourceLines(
  path: string | undefined,
  mapped?: { map: LoadedMap; source: string } | undefined,
): Promise<string[] | null> {
  const lines = mapped ? mapSourceLines(mapped.map, mapped.source, path) : undefined;
  return (lines && (await lines)) ?? (path && isAbsolute(path) ? await fileLines(path) : null);
}

function mapSourceLines(
  loaded: LoadedMap,
  source: string,
  path: string | undefined,
): Promise<string[] | null> | undefined {
  let content: string | null = null;
  try {
    content = sourceContentFor(loaded.map, source);
  } catch {
    content = null;
  }
  if (content === null || content.length > MAX_SOURCE_BYTES) return undefined;
  const key = `map:${path ?? source}`;
  let pending = sources.get(key);
  if (!pending) {
    const lines = content.split(/\r?\n/);
    // Kept in a cache, so made outside the capturing unit (see outsideUnits).
    pending = outsideUnits(() => Promise.resolve(lines));
    sources.set(key, pending);
  }
  return pending;
}

function fileLines(path: string): Promise<string[] | null> {
  let pending = sources.get(path);
  if (!pending) {
    pending = outsideUnits(() =>
      readText(path, MAX_SOURCE_BYTES).then((text) => text?.split(/\r?\n/) ?? null),
    );
    sources.set(path, pending);
  }
  return pending;
}
