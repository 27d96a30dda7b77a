// Every published package must resolve cleanly for every consumer: publint
// (package.json vs. files) and "Are the types wrong?" (node10, node16 CJS/ESM, bundler).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { describe, expect, it } from 'vitest';

const packagesDir = join(__dirname, '..', 'packages');
const packages = readdirSync(packagesDir)
  .map((name) => join(packagesDir, name))
  .filter((dir) => {
    try {
      return !JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).private;
    } catch {
      return false;
    }
  });

describe.each(packages)('%s', (dir) => {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));

  it('publint finds no problem', async () => {
    const { messages } = await publint({ pkgDir: dir, level: 'suggestion', pack: 'pnpm' });
    expect(messages.map((m) => formatMessage(m, pkg) ?? m.code)).toEqual([]);
  });

  it('ships source maps that resolve: every source is embedded (sourcesContent)', () => {
    const dist = join(dir, 'dist');
    const maps = readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.map'),
    );
    expect(maps.length).toBeGreaterThan(0);
    const missing = maps.flatMap((file) => {
      const map = JSON.parse(readFileSync(join(dist, file), 'utf8')) as {
        sources: string[];
        sourcesContent?: (string | null)[];
      };
      return map.sources
        .filter((_, i) => typeof map.sourcesContent?.[i] !== 'string')
        .map((source) => `${file} → ${source}`);
    });
    expect(missing).toEqual([]);
  });

  it('depends on the exact @x/core it is built with (workspace:* publishes the version) and says where it lives', () => {
    const raw = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    for (const [name, range] of Object.entries({ ...raw.dependencies, ...raw.peerDependencies })) {
      if (String(name).startsWith('@x/')) expect(range, name).toBe('workspace:*');
    }
    expect(raw.repository).toMatchObject({
      type: 'git',
      directory: dir.slice(dir.indexOf('packages/')),
    });
    expect(raw.homepage).toMatch(/^https:\/\//);
    expect(raw.bugs?.url).toMatch(/^https:\/\//);
    expect(raw.keywords?.length).toBeGreaterThan(0);
    expect(raw.engines?.node).toBeTruthy();
  });

  it('attw --pack finds no problem', () => {
    // ESM-only packages (Nest 12 is ESM-only) are checked with attw's esm-only profile.
    const esmOnly = !JSON.stringify(pkg.exports ?? {}).includes('"require"');
    let output = '';
    try {
      const profile = esmOnly ? ['--profile', 'esm-only'] : [];
      output = execFileSync(
        'pnpm',
        ['exec', 'attw', '--pack', dir, '--format', 'json', ...profile],
        {
          encoding: 'utf8',
          cwd: dir,
        },
      );
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? error);
    }
    const report = JSON.parse(output.slice(output.indexOf('{')));
    const problems = report.problems ?? {};
    const list = (Array.isArray(problems) ? problems : Object.values(problems).flat()) as {
      resolutionKind?: string;
    }[];
    // The esm-only profile ignores what CommonJS resolution sees; the JSON still lists it.
    const ignored = esmOnly ? ['node10', 'node16-cjs'] : [];
    expect(list.filter((p) => !ignored.includes(p.resolutionKind ?? ''))).toEqual([]);
  });
});
