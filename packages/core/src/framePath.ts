// Paths of stack frames: where a frame's file is, as a path the file system and the root
// understand.
import { isAbsolute, normalize, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StackFrame } from './event';

/** The frame's location as a path: `file://` URLs decoded, a stray `async ` prefix dropped. */
export function framePath(frame: StackFrame): string | undefined {
  let location = frame.abs_path ?? frame.filename;
  if (typeof location !== 'string' || location === '') return undefined;
  location = location.replace(/^async /, '');
  return sourcePath(location);
}

/** A `file://` URL (a map's resolved source, a stack location) as a path; anything else as given. */
export function sourcePath(source: string): string {
  if (source.startsWith('file://')) {
    try {
      return fileURLToPath(source);
    } catch {
      return source;
    }
  }
  return source;
}

/**
 * The root as an absolute path. Deliberately not `path.resolve`/`join` with `process.cwd()`:
 * Turbopack reads those as "this package reads the whole project" and warns in every Next
 * app's build.
 */
export function rootDir(root: string | undefined): string {
  if (!root) return process.cwd();
  return normalize(isAbsolute(root) ? root : `${process.cwd()}${sep}${root}`);
}

/** `path` relative to the root (with `/`), or absolute when it lies outside the root. */
export function relativeToRoot(path: string, root: string): string {
  const rel = relative(root, path);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return path;
  return rel.split(sep).join('/');
}

/** `true` for a path through a `node_modules` directory (a dependency). */
export function isNodeModules(path: string): boolean {
  return /[\\/]node_modules[\\/]/.test(path);
}
