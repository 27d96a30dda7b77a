// Node only (installed by the `node` entry as `runtime.sourceFrames`): turns the frames of a
// captured error into frames a developer can act on.
//
// 1. Source maps: a frame in built code (tsup/tsc `sourceMap`, Next's server chunks) is mapped
//    to the file, line, column and function name the developer wrote. The map comes from
//    `module.findSourceMap` when Node has one (only with `--enable-source-maps` or
//    `setSourceMapsSupport`, in which case V8 has usually mapped the stack already), else from
//    the file's own `//# sourceMappingURL=` (a file or a `data:` URL), decoded by
//    @jridgewell/trace-mapping. Files under `node_modules` are not mapped.
// 2. in_app: false for `node_modules`, `node:`, `internal/`, native frames, sources a map puts on
//    its `ignoreList`, and @x's own code wherever it is installed (see {@link isXPath}).
// 3. Context lines: in-app frames get 7 lines either side (as Sentry), from the map's
//    `sourcesContent` or the file itself: read with fs/promises, cached (bounded LRU), files over
//    1 MB skipped, at most 10 files per event. A file that cannot be read is skipped silently.
// 4. Names: `filename` relative to the app's root (`root` option, default `process.cwd()`),
//    `abs_path` absolute, `module` as Sentry's Node SDK computes it, so the same error groups the
//    same on two machines.
//
// This runs only in the client's asynchronous build step, never on the caller's path.
import { open } from 'node:fs/promises';
import { findSourceMap } from 'node:module';
import { basename, dirname, isAbsolute, normalize, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  FlattenMap,
  isIgnored,
  originalPositionFor,
  sourceContentFor,
  type TraceMap,
} from '@jridgewell/trace-mapping';
import type { Event, ExceptionValue, StackFrame } from './event';

/** Lines of context either side of an in-app frame's line (Sentry's number). */
export const CONTEXT_LINES = 7;
/** Source files (and `sourcesContent` entries) larger than this get no context lines. */
export const MAX_SOURCE_BYTES = 1_000_000;
/** At most this many distinct source files give context lines to one event. */
export const MAX_CONTEXT_FILES_PER_EVENT = 10;
/** Built files and their maps larger than this are not mapped. */
export const MAX_MAP_BYTES = 20_000_000;
/** At most this many built files are looked up for source maps per event. */
const MAX_MAPPED_FILES_PER_EVENT = 20;
const MAX_CACHED_MAPS = 16;
const MAX_CACHED_SOURCES = 32;
const MAX_CACHED_FRAME_SETS = 256;
const MAX_LINE_CHARS = 150;
const SNIP_WINDOW = 140;

/** What the client passes: the app's root and when to give up. */
export interface SourceFrameOptions {
  /** Directory `filename` is relative to and `module` is computed from. @default process.cwd() */
  root?: string | undefined;
  /** Lines of source either side of an in-app frame's line; `0` sends no source code. @default 7 */
  contextLines?: number | undefined;
  /** Epoch ms after which nothing is changed on the event any more (the client stopped waiting). */
  deadline?: number | undefined;
}

interface LoadedMap {
  map: TraceMap;
  /** The built file's text when it is small enough to look up function declarations in. */
  code: string | undefined;
  lines?: string[] | undefined;
}

/** A tiny LRU over a Map (insertion order = recency). */
class Lru<K, V> {
  private readonly items = new Map<K, V>();
  constructor(private readonly max: number) {}
  get(key: K): V | undefined {
    const value = this.items.get(key);
    if (value !== undefined) {
      this.items.delete(key);
      this.items.set(key, value);
    }
    return value;
  }
  set(key: K, value: V): void {
    this.items.delete(key);
    this.items.set(key, value);
    while (this.items.size > this.max) {
      const oldest = this.items.keys().next().value as K;
      this.items.delete(oldest);
    }
  }
  clear(): void {
    this.items.clear();
  }
}

const maps = new Lru<string, Promise<LoadedMap | null>>(MAX_CACHED_MAPS);
const sources = new Lru<string, Promise<string[] | null>>(MAX_CACHED_SOURCES);
const packageNames = new Map<string, Promise<string | undefined>>();
/** Improved frames (per exception value; `null` = no frames) of one set of parsed frames. */
interface Improved {
  /** Settles once the frames are improved. */
  pending: Promise<(StackFrame[] | null)[]>;
  /** The improved frames once `pending` settled. */
  frames?: (StackFrame[] | null)[] | undefined;
}
/** Improved frames by what they were made from ({@link framesKey}). */
const improvedFrames = new Lru<string, Improved>(MAX_CACHED_FRAME_SETS);

/** Forgets every cached map, source and improved stack (tests; a long-lived process never needs it). */
export function clearSourceFrameCaches(): void {
  maps.clear();
  sources.clear();
  packageNames.clear();
  improvedFrames.clear();
}

/**
 * Maps, names and marks the frames of every exception on `event`, and adds context lines to the
 * in-app ones. Never throws; frames it cannot improve are left as they are. The event's
 * `exception` is replaced (not mutated), so a caller's `captureEvent` object stays untouched.
 */
export function applySourceFrames(
  event: Event,
  options: SourceFrameOptions = {},
): Promise<void> | undefined {
  const values = event.exception?.values;
  if (!Array.isArray(values) || values.length === 0) return undefined;
  const root = rootDir(options.root);
  const wanted = options.contextLines ?? CONTEXT_LINES;
  const lines = Number.isFinite(wanted) ? Math.max(0, Math.min(50, Math.floor(wanted))) : 0;
  // The same failure repeats: its frames are improved once (the result depends only on the
  // parsed frames, the root and the number of lines), and every later event gets copies.
  let key: string | undefined;
  try {
    key = framesKey(values, root, lines);
  } catch {
    key = undefined; // a throwing getter (captureEvent's own frames): not cached
  }
  let improved = key === undefined ? undefined : improvedFrames.get(key);
  if (improved?.frames) {
    // Already known: applied now, no waiting (and no timer) in the client.
    if (options.deadline === undefined || Date.now() <= options.deadline)
      replaceFrames(event, values, improved.frames);
    return undefined;
  }
  if (!improved) {
    const entry: Improved = { pending: improveAll(values, root, lines) };
    entry.pending.then(
      (frames) => {
        entry.frames = frames;
      },
      () => undefined, // the caller sees the rejection; nothing to record
    );
    improved = entry;
    if (key !== undefined) improvedFrames.set(key, entry);
  }
  return improved.pending.then((frames) => {
    if (options.deadline !== undefined && Date.now() > options.deadline) return;
    replaceFrames(event, values, frames);
  });
}

function replaceFrames(
  event: Event,
  values: ExceptionValue[],
  improved: (StackFrame[] | null)[],
): void {
  const out = values.map((value, v) => {
    const frames = improved[v];
    return frames
      ? { ...value, stacktrace: { ...value.stacktrace, frames: copyFrames(frames) } }
      : value;
  });
  event.exception = { ...event.exception, values: out };
}

/** Improved copies of every value's frames (the input is not changed); `null` where none. */
async function improveAll(
  values: ExceptionValue[],
  root: string,
  lines: number,
): Promise<(StackFrame[] | null)[]> {
  const budget = {
    maps: MAX_MAPPED_FILES_PER_EVENT,
    files: lines > 0 ? MAX_CONTEXT_FILES_PER_EVENT : 0,
    lines,
  };
  const seenMapFiles = new Set<string>();
  const seenContextFiles = new Set<string>();
  const out: (StackFrame[] | null)[] = [];
  // The thrown exception is last; its frames, newest (last) first, get the budgets first.
  for (let v = values.length - 1; v >= 0; v--) {
    const frames = values[v]?.stacktrace?.frames;
    if (!Array.isArray(frames)) {
      out[v] = null;
      continue;
    }
    const copies = frames.map((frame) => ({ ...frame }));
    for (let i = copies.length - 1; i >= 0; i--) {
      try {
        await improveFrame(copies, i, root, budget, seenMapFiles, seenContextFiles);
      } catch {
        // A frame that cannot be improved stays as parsed.
      }
    }
    out[v] = copies;
  }
  return out;
}

/** Fresh frames for one event (the cached ones are never handed out: `beforeSend` may edit). */
function copyFrames(frames: StackFrame[]): StackFrame[] {
  return frames.map((frame) => {
    const copy = { ...frame };
    if (frame.pre_context) copy.pre_context = [...frame.pre_context];
    if (frame.post_context) copy.post_context = [...frame.post_context];
    return copy;
  });
}

/** The fields a parsed frame has; frames with anything else (`captureEvent`'s own) are not cached. */
const PARSED_FIELDS = new Set(['filename', 'function', 'in_app', 'abs_path', 'lineno', 'colno']);

/**
 * An unambiguous key for the frames of every value (each field length- or type-prefixed), with
 * the root and context lines; `undefined` when a frame has other fields or unexpected types.
 */
function framesKey(values: ExceptionValue[], root: string, lines: number): string | undefined {
  let key = `${lines};${root.length}:${root}`;
  for (const value of values) {
    const frames = value?.stacktrace?.frames;
    if (!Array.isArray(frames)) {
      key += '|-';
      continue;
    }
    key += `|${frames.length}`;
    for (const frame of frames) {
      if (typeof frame !== 'object' || frame === null) return undefined;
      for (const field in frame) if (!PARSED_FIELDS.has(field)) return undefined;
      const sameAbs = frame.abs_path !== undefined && frame.abs_path === frame.filename;
      for (const part of [
        frame.filename,
        frame.function,
        frame.in_app,
        sameAbs ? null : frame.abs_path,
        frame.lineno,
        frame.colno,
      ]) {
        const encoded = keyPart(part);
        if (encoded === undefined) return undefined;
        key += encoded;
      }
    }
  }
  return key;
}

function keyPart(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return `s${value.length}:${value}`;
    case 'number':
      return `n${value};`;
    case 'boolean':
      return value ? 't' : 'f';
    case 'undefined':
      return 'u';
    case 'object':
      return value === null ? '=' : undefined;
    default:
      return undefined;
  }
}

async function improveFrame(
  frames: StackFrame[],
  index: number,
  root: string,
  budget: { maps: number; files: number; lines: number },
  seenMapFiles: Set<string>,
  seenContextFiles: Set<string>,
): Promise<void> {
  const frame = frames[index] as StackFrame;
  const generated = framePath(frame);
  let path = generated;
  let content: { map: LoadedMap; source: string } | undefined;
  let ignored = false;

  if (generated && isAbsolute(generated) && !isNodeModules(generated) && frame.lineno) {
    let loaded: LoadedMap | null = null;
    if (seenMapFiles.has(generated) || budget.maps > 0) {
      if (!seenMapFiles.has(generated)) {
        seenMapFiles.add(generated);
        budget.maps--;
      }
      loaded = await loadMap(generated);
    }
    if (loaded) {
      const line = frame.lineno;
      const column = Math.max(0, (frame.colno ?? 1) - 1);
      const position = originalPositionFor(loaded.map, { line, column });
      if (position.source !== null) {
        path = sourcePath(position.source);
        frame.lineno = position.line;
        frame.colno = position.column + 1;
        ignored = isIgnored(loaded.map, position.source);
        content = { map: loaded, source: position.source };
        const name = originalFunctionName(loaded, frame.function, line, column);
        // Keep V8's receiver prefix (`Object.`, `Router.`): only the minified part is renamed.
        if (name && frame.function) {
          frame.function = frame.function.slice(0, frame.function.lastIndexOf('.') + 1) + name;
        }
      }
    }
  }

  if (path) {
    if (isAbsolute(path)) {
      frame.abs_path = path;
      frame.filename = relativeToRoot(path, root);
      frame.module = moduleFromPath(path, root);
    } else {
      frame.filename = path;
    }
  }
  frame.in_app = !ignored && (await isAppPath(path)) && !(generated && (await isXPath(generated)));
  if (!frame.in_app || !frame.lineno) return;

  const key = content ? `${content.source}` : path;
  if (!key) return;
  if (!seenContextFiles.has(key)) {
    if (budget.files <= 0) return;
    budget.files--;
    seenContextFiles.add(key);
  }
  const lines = content ? contentLines(content.map, content.source, path) : undefined;
  const text =
    (lines && (await lines)) ?? (path && isAbsolute(path) ? await readLines(path) : null);
  if (text) addContext(frame, text, budget.lines);
}

/**
 * The root as an absolute path. Deliberately not `path.resolve`/`join` with `process.cwd()`:
 * Turbopack reads those as "this package reads the whole project" and warns in every Next
 * app's build.
 */
function rootDir(root: string | undefined): string {
  if (!root) return process.cwd();
  return normalize(isAbsolute(root) ? root : `${process.cwd()}${sep}${root}`);
}

/** The frame's location as a path: `file://` URLs decoded, a stray `async ` prefix dropped. */
function framePath(frame: StackFrame): string | undefined {
  let location = frame.abs_path ?? frame.filename;
  if (typeof location !== 'string' || location === '') return undefined;
  location = location.replace(/^async /, '');
  if (location.startsWith('file://')) {
    try {
      return fileURLToPath(location);
    } catch {
      return location;
    }
  }
  return location;
}

/** A map's (resolved) source as a path when it is a file, else the source as given. */
function sourcePath(source: string): string {
  if (source.startsWith('file://')) {
    try {
      return fileURLToPath(source);
    } catch {
      return source;
    }
  }
  return source;
}

function isNodeModules(path: string): boolean {
  return /[\\/]node_modules[\\/]/.test(path);
}

/** Sentry's base rule: not Node's own code, not a dependency, not native. */
async function isAppPath(path: string | undefined): Promise<boolean> {
  if (!path || path === 'native' || path === '<anonymous>') return false;
  if (path.startsWith('node:') || path.startsWith('internal/')) return false;
  if (isNodeModules(path)) return false;
  return !(await isXPath(path));
}

const OWN_DIR = ownDistDir();

/**
 * The directory of this module when it runs from a built `dist` folder (the published package or
 * a workspace link), found from a stack trace so it works in the ESM and the CJS build alike. In
 * a bundle (Next's server chunks) the file is the bundler's, and nothing is claimed.
 */
function ownDistDir(): string | undefined {
  const line = new Error().stack?.split('\n').find((l) => /^\s*at /.test(l));
  const match = line && /\(?((?:file:\/\/)?\/[^():]*|[A-Za-z]:\\[^():]*):\d+:\d+\)?\s*$/.exec(line);
  if (!match?.[1]) return undefined;
  const file = sourcePath(match[1]);
  const dir = dirname(file);
  return basename(dir) === 'dist' &&
    /^(?:node|index|internal|chunk-[\w-]+)\.c?js$/.test(basename(file))
    ? dir
    : undefined;
}

const X_INSTALLED = /[\\/]@x[\\/](?:core|koa|nest|next)[\\/]/;
const X_WORKSPACE = /^(.*[\\/]packages[\\/](core|koa|nest|next))[\\/](?:dist|src)[\\/]/;

/**
 * @x's own code, wherever it is: the directory this module runs from (its `dist`, when the
 * package.json above it is @x/core's), any path through `/@x/core|koa|nest|next/` (installed,
 * or a bundler's source path), and `packages/core|koa|nest|next/(dist|src)/` when that
 * package's `package.json` is named `@x/<name>` (the workspace link; checked once per
 * directory, so an app's own `packages/core` stays in-app).
 */
export async function isXPath(path: string): Promise<boolean> {
  // The own-directory rule needs its package.json to say @x/core: an app that bundles core
  // into its own `dist/index.js` must not have all of its frames claimed.
  if (
    OWN_DIR &&
    path.startsWith(OWN_DIR + sep) &&
    (await packageName(dirname(OWN_DIR))) === '@x/core'
  )
    return true;
  if (X_INSTALLED.test(path)) return true;
  const workspace = X_WORKSPACE.exec(path);
  if (!workspace?.[1]) return false;
  return (await packageName(workspace[1])) === `@x/${workspace[2]}`;
}

/** The `name` in a directory's package.json (read once per directory). */
function packageName(dir: string): Promise<string | undefined> {
  let name = packageNames.get(dir);
  if (!name) {
    name = readText(`${dir}${sep}package.json`, 100_000).then((text) => {
      try {
        const parsed = text === null ? undefined : (JSON.parse(text) as { name?: unknown }).name;
        return typeof parsed === 'string' ? parsed : undefined;
      } catch {
        return undefined;
      }
    });
    packageNames.set(dir, name);
  }
  return name;
}

/** `path` relative to the root (with `/`), or absolute when it lies outside the root. */
function relativeToRoot(path: string, root: string): string {
  const rel = relative(root, path);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return path;
  return rel.split(sep).join('/');
}

/**
 * The frame's module the way @sentry/node names it (`createGetModuleFromFilename` with the root
 * as base): `.js`/`.mjs`/`.cjs` dropped; below a `node_modules` the package path dotted then
 * `:file` (`@koa.router.dist:index`); below the root the directory dotted then `:file`
 * (`src.routes:orders`, or just `server` at the root); elsewhere the file name alone.
 */
export function moduleFromPath(path: string, root: string): string | undefined {
  const windows = /^[A-Za-z]:[\\/]|\\/.test(path);
  const normalize = (p: string) => (windows ? p.replace(/^[A-Za-z]:/, '').replace(/\\/g, '/') : p);
  const file = normalize(path);
  const base = normalize(root).replace(/\/+$/, '');
  const slash = file.lastIndexOf('/');
  const dir = slash > 0 ? file.slice(0, slash) : slash === 0 ? '/' : '.';
  let name = file.slice(slash + 1);
  const ext = /\.(?:m|c)?js$/.exec(name);
  if (ext) name = name.slice(0, -ext[0].length);
  try {
    name = decodeURIComponent(name);
  } catch {
    // Keep the raw name.
  }
  if (!name) return undefined;
  const nodeModules = dir.lastIndexOf('/node_modules');
  if (nodeModules > -1) {
    return `${dir.slice(nodeModules + '/node_modules/'.length).replace(/\//g, '.')}:${name}`;
  }
  if (dir === base || dir.startsWith(`${base}/`)) {
    const moduleDir = dir.slice(base.length + 1).replace(/\//g, '.');
    return moduleDir ? `${moduleDir}:${name}` : name;
  }
  return name;
}

// ---------------------------------------------------------------------------------------------
// Source maps

function loadMap(file: string): Promise<LoadedMap | null> {
  let pending = maps.get(file);
  if (!pending) {
    pending = readMap(file).catch(() => null);
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

function decodeDataUrl(url: string): string | null {
  const comma = url.indexOf(',');
  if (comma < 0) return null;
  const meta = url.slice(5, comma);
  const data = url.slice(comma + 1);
  if (!/^application\/json\b/i.test(meta)) return null;
  try {
    return /;base64$/i.test(meta)
      ? Buffer.from(data, 'base64').toString('utf8')
      : decodeURIComponent(data);
  } catch {
    return null;
  }
}

/**
 * The original name of the function a mapped frame is in. Minifiers rename functions, and the
 * stack only has the new name (`C`); its declaration in the built file (`function C(`, `C=(…)=>`,
 * `C=async function`), the closest one before the frame's position, is mapped, and the map's
 * `names` entry there is the name the developer wrote. Without one the built name is kept.
 */
function originalFunctionName(
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

// ---------------------------------------------------------------------------------------------
// Context lines

function contentLines(loaded: LoadedMap, source: string, path: string | undefined) {
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
    pending = Promise.resolve(content.split(/\r?\n/));
    sources.set(key, pending);
  }
  return pending;
}

function readLines(path: string): Promise<string[] | null> {
  let pending = sources.get(path);
  if (!pending) {
    pending = readText(path, MAX_SOURCE_BYTES).then((text) => text?.split(/\r?\n/) ?? null);
    sources.set(path, pending);
  }
  return pending;
}

/** A file's text, or `null` when it is missing, unreadable or larger than `maxBytes`. */
async function readText(path: string, maxBytes: number): Promise<string | null> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, 'r');
    const stats = await handle.stat();
    if (!stats.isFile() || stats.size > maxBytes) return null;
    return await handle.readFile('utf8');
  } catch {
    return null;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

function addContext(frame: StackFrame, lines: string[], around: number): void {
  const index = (frame.lineno ?? 0) - 1;
  if (index < 0 || index >= lines.length) return;
  frame.pre_context = lines
    .slice(Math.max(0, index - around), index)
    .map((line) => snipLine(line, 0));
  frame.context_line = snipLine(lines[index] as string, frame.colno ?? 0);
  frame.post_context = lines.slice(index + 1, index + 1 + around).map((line) => snipLine(line, 0));
}

/** Long (minified) lines are cut to a window around the column, marked `{snip}`, as Sentry does. */
function snipLine(line: string, column: number): string {
  if (line.length <= MAX_LINE_CHARS) return line;
  let start = Math.max(Math.min(column, line.length) - 60, 0);
  if (start < 5) start = 0;
  let end = Math.min(start + SNIP_WINDOW, line.length);
  if (end > line.length - 5) end = line.length;
  if (end === line.length) start = Math.max(end - SNIP_WINDOW, 0);
  let out = line.slice(start, end);
  if (start > 0) out = `{snip} ${out}`;
  if (end < line.length) out = `${out} {snip}`;
  return out;
}
