// The published packages of the workspace and every declaration file their `exports` map leads
// to, one per export condition chain (`node.import`, `import`, `require`, …).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Manifest {
  name: string;
  private?: boolean;
  exports?: Record<string, unknown>;
}

export interface PublishedPackage {
  name: string;
  dir: string;
  entries: Entry[];
}

/** One declaration file a consumer can get: `import '@x/core'` under `node` → `import`. */
export interface Entry {
  /** `@x/core`, `@x/core/internal`. */
  specifier: string;
  /** `.`, `./internal`. */
  subpath: string;
  /** The conditions taken to reach the file, without the final `types`: `node.import`. */
  chain: string;
  /** Absolute path of the declaration file. */
  file: string;
}

const DECLARATION = /\.d\.[cm]?ts$/;

/**
 * Every condition chain under `target` that ends at a declaration file, in the map's order. A
 * bare `types` (no condition before it) is named `types`.
 */
export function declarationChains(target: unknown, path: string[] = []): [string, string][] {
  if (typeof target === 'string') {
    if (!DECLARATION.test(target)) return [];
    const conditions = path.at(-1) === 'types' ? path.slice(0, -1) : path;
    return [[conditions.join('.') || 'types', target]];
  }
  if (!target || typeof target !== 'object' || Array.isArray(target)) return [];
  return Object.entries(target).flatMap(([key, value]) => declarationChains(value, [...path, key]));
}

function entriesOf(dir: string, manifest: Manifest): Entry[] {
  return Object.entries(manifest.exports ?? {})
    .filter(([subpath]) => subpath !== './package.json')
    .flatMap(([subpath, target]) => {
      const specifier = subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`;
      const seen = new Set<string>();
      return declarationChains(target).flatMap(([chain, types]) => {
        if (seen.has(chain)) return [];
        seen.add(chain);
        return [{ specifier, subpath, chain, file: join(dir, types) }];
      });
    });
}

/** The packages under `packages/` without `"private": true`, by folder name. */
export function publishedPackages(root: string): PublishedPackage[] {
  const packagesDir = join(root, 'packages');
  return readdirSync(packagesDir)
    .sort()
    .flatMap((folder) => {
      const dir = join(packagesDir, folder);
      const file = join(dir, 'package.json');
      if (!existsSync(file)) return [];
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
      if (manifest.private) return [];
      return [{ name: manifest.name, dir, entries: entriesOf(dir, manifest) }];
    });
}
