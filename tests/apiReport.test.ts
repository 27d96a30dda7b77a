// The public surface of every published package as TypeScript sees the built declarations:
// each entry under each export condition, each export with its full declaration. The report is
// checked in (docs/api-report.md), so any change to a signature, a member or an export is a
// deliberate one: run `UPDATE_API_REPORT=1 pnpm exec vitest run --project repo
// tests/apiReport.test.ts` and commit the new report with the change.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiTableNames } from './apiReport/readmeTable';
import { analyze, type EntryApi, type PackageApi, renderReport } from './apiReport/report';

const root = join(__dirname, '..');
const reportFile = join(root, 'docs', 'api-report.md');
const UPDATE = 'UPDATE_API_REPORT=1 pnpm exec vitest run --project repo tests/apiReport.test.ts';

let cached: PackageApi[] | undefined;
function packages(): PackageApi[] {
  cached ??= analyze(root);
  return cached;
}

function find(name: string): PackageApi {
  const found = packages().find((p) => p.name === name);
  if (!found) throw new Error(`${name} is not a published package`);
  return found;
}

/** The names `entries` export under any of their conditions. */
function names(entries: EntryApi[], values = false): string[] {
  const all = entries.flatMap((entry) => entry.exports).filter((e) => !values || e.isValue);
  return [...new Set(all.map((e) => e.name))].sort((a, b) => a.localeCompare(b, 'en'));
}

const main = (p: PackageApi) => p.entries.filter((entry) => entry.subpath === '.');

/**
 * What is wrong with `p`'s README API table: the main entry's values it leaves out (an adapter's
 * names that @x/core's main entry also has are core's, documented in core's README), and the
 * names it lists that no entry of the package exports.
 */
function readmeProblems(p: PackageApi, core: PackageApi): string[] {
  const coreNames = new Set(names(main(core)));
  const required = names(main(p), true).filter((name) => p === core || !coreNames.has(name));
  const readme = join(p.dir, 'README.md');
  const file = relative(root, readme);
  const table = existsSync(readme) ? apiTableNames(readFileSync(readme, 'utf8')) : undefined;
  if (!table) {
    return [
      `${file}: no API table (an "## API" section with a table); needs ${required.join(', ')}`,
    ];
  }
  const exported = new Set(names(p.entries));
  const missing = required.filter((name) => !table.includes(name));
  const stale = [...new Set(table.filter((name) => !exported.has(name)))];
  return [
    ...(missing.length > 0 ? [`${file}: API table lacks ${missing.join(', ')}`] : []),
    ...(stale.length > 0 ? [`${file}: API table lists non-exports ${stale.join(', ')}`] : []),
  ];
}

describe('API report', () => {
  it('matches the built declarations (docs/api-report.md)', () => {
    const fresh = renderReport(packages());
    if (process.env.UPDATE_API_REPORT) writeFileSync(reportFile, fresh);
    const checkedIn = existsSync(reportFile) ? readFileSync(reportFile, 'utf8') : '';
    expect(
      fresh,
      `The public API differs from docs/api-report.md. If the change is intended, run \`${UPDATE}\` and commit the report.`,
    ).toBe(checkedIn);
  });

  it('reads every condition of every entry (the node-only exports of @x/core included)', () => {
    const chains = main(find('@x/core')).map((entry) => entry.chain);
    expect(chains).toEqual(['node.import', 'node.require', 'import', 'require']);
    for (const entry of main(find('@x/core'))) {
      const hasSpool = entry.exports.some((e) => e.name === 'createFileSpool');
      expect(hasSpool, entry.chain).toBe(entry.chain.startsWith('node.'));
    }
  });

  it('each README’s API table lists the package’s own values, and only real exports', () => {
    const core = find('@x/core');
    expect(names(main(core), true).length).toBeGreaterThan(30);
    expect(packages().flatMap((p) => readmeProblems(p, core))).toEqual([]);
  });

  it('adapters re-export only core’s public API, never @x/core/internal', () => {
    const internal = find('@x/core').entries.filter((entry) => entry.subpath === './internal');
    expect(names(internal)).toEqual(expect.arrayContaining(['runRequest']));
    for (const adapter of ['@x/koa', '@x/nest', '@x/next']) {
      const exported = names(main(find(adapter)));
      for (const name of ['runRequest', 'markCaptured', 'getCarrier', 'prepareEvent']) {
        expect(exported).not.toContain(name);
      }
      expect(exported).toContain('captureException');
    }
  });
});
