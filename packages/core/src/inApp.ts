// Whether a frame is the app's own code (Sentry's `in_app`): not Node's, not a dependency's, not
// native, not on its source map's `ignoreList`, and not @x's own wherever that is installed.
import { basename, dirname, sep } from 'node:path';
import { isNodeModules, sourcePath } from './framePath';
import { readText } from './readText';

const packageNames = new Map<string, Promise<string | undefined>>();

/** Forgets the package names read so far (tests). */
export function clearPackageNameCache(): void {
  packageNames.clear();
}

/**
 * A frame's `in_app`: `false` when its source map lists its source as ignored (`ignored`), when
 * its (mapped) `path` is not the app's (see {@link isAppPath}), or when the built file it ran
 * from (`generated`) is @x's own (see {@link isXPath}).
 */
export async function inApp(
  path: string | undefined,
  generated: string | undefined,
  ignored: boolean,
): Promise<boolean> {
  return !ignored && (await isAppPath(path)) && !(generated && (await isXPath(generated)));
}

/** Sentry's base rule: not Node's own code, not a dependency, not native; and not @x's own. */
export async function isAppPath(path: string | undefined): Promise<boolean> {
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
