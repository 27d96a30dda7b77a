// The source map of a built file: Node's own when it keeps one, else the one the file's
// `//# sourceMappingURL=` names (a file next to it or a `data:` URL), cached per file.

import { findSourceMap } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FlattenMap, type TraceMap } from '@jridgewell/trace-mapping';
import { decodeDataUrl } from './decodeDataUrl';
import { Lru } from './lru';
import { outsideUnits } from './outsideUnits';
import { readText } from './readText';
import { MAX_SOURCE_BYTES } from './sourceLines';

/** Built files and their maps larger than this are not mapped. */
export const MAX_MAP_BYTES = 20_000_000;
const MAX_CACHED_MAPS = 16;

/** A built file's decoded source map. */
export interface LoadedMap {
  map: TraceMap;
  /** The built file's text when it is small enough to look up function declarations in. */
  code: string | undefined;
  /** `code` split into lines, once something needed them. */
  lines?: string[] | undefined;
}

const maps = new Lru<string, Promise<LoadedMap | null>>(MAX_CACHED_MAPS);

/** Forgets every cached map (tests). */
export function clearSourceMapCache(): void {
  maps.clear();
}

/**
 * The source map of the built file at `file` (an absolute path), or `null` when it has none or
 * the map cannot be read or parsed. Never rejects; each file is looked up once while cached.
 */
export function loadSourceMap(file: string): Promise<LoadedMap | null> {
  let pending = maps.get(file);
  if (!pending) {
    // Kept in a cache, so made outside the capturing unit (see outsideUnits).
    pending = outsideUnits(() => readMap(file).catch(() => null));
    maps.set(file, pending);
  }
  return pending;
}

async function readMap(file: string): Promise<LoadedMap | null> {
  const fileUrl = pathToFileURL(file).href;
  // Node's own map, when it keeps one (--enable-source-maps / setSourceMapsSupport).
  try {
    const payload = findSourceMap(file)?.payload;
    if (payload) return { map: FlattenMap(payload as never, fileUrl), code: undefined };
  } catch {
    // Fall back to reading the file.
  }
  const code = await readText(file, MAX_MAP_BYTES);
  if (code === null) return null;
  const url = sourceMappingUrl(code);
  if (!url) return null;
  let json: string | null;
  let mapUrl = fileUrl;
  if (url.startsWith('data:')) {
    json = decodeDataUrl(url);
  } else {
    const resolved = new URL(url, fileUrl);
    if (resolved.protocol !== 'file:') return null;
    mapUrl = resolved.href;
    json = await readText(fileURLToPath(resolved), MAX_MAP_BYTES);
  }
  if (!json) return null;
  const map = FlattenMap(JSON.parse(json), mapUrl);
  return { map, code: code.length <= MAX_SOURCE_BYTES ? code : undefined };
}

/** The last `//# sourceMappingURL=` (or `//@`) comment's URL. */
function sourceMappingUrl(code: string): string | undefined {
  const at = code.lastIndexOf('sourceMappingURL=');
  if (at < 3) return undefined;
  const lead = code.slice(at - 4, at);
  if (!/\/\/[#@]\s?$/.test(lead) && !/\/\*[#@]\s?$/.test(lead)) return undefined;
  const url = /^sourceMappingURL=([^\s*]+)/.exec(code.slice(at))?.[1];
  return url || undefined;
}
