// The test command's list of failed tests, read from a real vitest JSON report: vitest runs a
// folder with a passing test, a skipped one, a failing one and a file that cannot load.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { failedTests, failedToLoad } from '../scripts/lib/vitestReport.mjs';

const vitest = join(import.meta.dirname, '..', 'node_modules', 'vitest', 'vitest.mjs');
const dir = mkdtempSync(join(tmpdir(), 'x-vitest-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function reportOf(files: Record<string, string>) {
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const out = join(dir, 'report.json');
  spawnSync(
    process.execPath,
    [vitest, 'run', '--root', dir, '--globals', '--reporter=json', `--outputFile.json=${out}`],
    { cwd: dir, encoding: 'utf8' },
  );
  return JSON.parse(readFileSync(out, 'utf8'));
}

describe('failedTests', () => {
  it('names each failed test and each file that did not load, and nothing that passed or was skipped', () => {
    const report = reportOf({
      'ok.test.js':
        "it('adds', () => expect(1 + 1).toBe(2));\nit.skip('is left for later', () => {});",
      'bad.test.js':
        "describe('group', () => { it('compares', () => expect({ a: 1 }).toEqual({ a: 2 })); });",
      'broken.test.js': "import './missing-module.js';\nit('never runs', () => {});",
    });
    const lines: string[] = failedTests(report, '24', dir);
    expect(lines).toHaveLength(2);
    expect(lines).toContainEqual(
      expect.stringMatching(/^Node 24: bad\.test\.js › group compares: AssertionError: expected/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^Node 24: broken\.test\.js: .*missing-module/),
    );
    expect(lines.join('\n')).not.toContain('ok.test.js');
    for (const line of lines) expect(line).not.toContain('\n');
    expect(report.testResults.filter(failedToLoad)).toHaveLength(1);
  });
});
