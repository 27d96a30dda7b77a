// Packed packages as files: their manifests, and a copy of one re-released under another version
// (to load two versions of @x/core in one app without a registry).
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runOk } from './harness';

/** What the tests read of a package.json. */
export interface Manifest {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  [key: string]: unknown;
}

/** The package.json of a package directory (an unpacked tarball, or one in node_modules). */
export function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
}

/**
 * Packs a copy of an unpacked @x/core under `version`: the manifest's version, and the
 * `SDK_VERSION` constant its dist files were built with (that is what the running code reports,
 * in events and in the "loaded beside" warning). Returns the new tarball's path.
 */
export async function repackCoreAs(
  unpackedCore: string,
  version: string,
  workDir: string,
): Promise<string> {
  const dir = join(workDir, `core-${version}`);
  cpSync(unpackedCore, dir, { recursive: true });
  const manifest = readManifest(dir);
  const released = `SDK_VERSION = ${JSON.stringify(manifest.version)}`;
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ ...manifest, version }, null, 2)}\n`,
  );
  const patched: string[] = [];
  for (const file of readdirSync(join(dir, 'dist'), { recursive: true, encoding: 'utf8' })) {
    if (!/\.(c|m)?js$|\.d\.(c|m)?ts$/.test(file)) continue;
    const code = readFileSync(join(dir, 'dist', file), 'utf8');
    if (!code.includes(released)) continue;
    writeFileSync(
      join(dir, 'dist', file),
      code.replaceAll(released, `SDK_VERSION = ${JSON.stringify(version)}`),
    );
    patched.push(file);
  }
  // The build inlines the constant into each entry; none found means the build changed shape.
  if (!patched.some((file) => file.endsWith('.js'))) {
    throw new Error(`no dist file of @x/core holds ${released}: how does it carry its version?`);
  }
  // The package's own scripts build from sources it does not ship.
  await runOk(
    'npm',
    ['pack', '--ignore-scripts', '--loglevel=error', '--pack-destination', workDir],
    {
      cwd: dir,
      timeoutMs: 60_000,
    },
  );
  return join(workDir, `x-core-${version}.tgz`);
}
