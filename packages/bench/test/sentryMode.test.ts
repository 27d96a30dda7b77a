import { describe, expect, it } from 'vitest';
import { countEventsWithUser } from '../src/lib/sink.mjs';
import { sentryModeSection } from '../src/report/sentryMode.mjs';
import { sentryModeFigures, sentryModeOrder } from '../src/sentryMode.mjs';

const row = (mode: string, variant: string, round: number, cpuUs: number, extra = {}) => ({
  mode,
  framework: 'koa',
  variant,
  round,
  cpuUs,
  rps: 1_000_000 / cpuUs,
  p99: 5,
  ...extra,
});

describe('Sentry mode maths', () => {
  it('alternates which variant goes first; the A/A control only on the request path', () => {
    expect(sentryModeOrder(1)).toEqual(['sentry', 'sentry+x', 'sentry-again']);
    expect(sentryModeOrder(2)).toEqual(['sentry-again', 'sentry+x', 'sentry']);
    expect(sentryModeOrder(3, 'error')).toEqual(['sentry', 'sentry+x']);
    expect(sentryModeOrder(4, 'error')).toEqual(['sentry+x', 'sentry']);
  });

  it('pairs the trials by round: what Sentry + @x took over Sentry alone', () => {
    const rows = [
      row('hello', 'sentry', 1, 80),
      row('hello', 'sentry+x', 1, 82),
      row('hello', 'sentry+x', 2, 90),
      row('hello', 'sentry', 2, 85),
      row('hello', 'sentry', 3, 100),
      row('hello', 'sentry+x', 3, 101),
      // another path and an unpaired trial are left out of the differences
      row('error', 'sentry+x', 1, 500),
      row('hello', 'sentry', 4, 70),
    ];
    const figures = sentryModeFigures(rows, 'hello');
    expect(figures.sentry.cpuUs).toMatchObject({ median: 82.5, min: 70, max: 100, n: 4 });
    expect(figures.sentryX.cpuUs).toMatchObject({ median: 90, min: 82, max: 101, n: 3 });
    expect(figures.addedUs).toMatchObject({ median: 2, min: 1, max: 5, n: 3 });
    expect(sentryModeFigures(rows, 'error').addedUs.n).toBe(0);
    expect(figures.controlUs.n).toBe(0);
  });

  it('the A/A control: Sentry alone against itself in the same round, shown beside the target', () => {
    const rows = [1, 2, 3].flatMap((r) => [
      row('hello', 'sentry', r, 80),
      row('hello', 'sentry+x', r, 81),
      row('hello', 'sentry-again', r, 80 - r),
    ]);
    const figures = sentryModeFigures(rows, 'hello');
    expect(figures.controlUs).toMatchObject({ median: -2, min: -3, max: -1, n: 3 });
    expect(figures.control.cpuUs).toMatchObject({ median: 78, n: 3 });
    const section = sentryModeSection(rows);
    expect(section.targets).toEqual([
      [expect.any(String), '+1.0 (+1.0–+1.0) µs CPU/req; A/A -2.0 (-3.0–-1.0)', true],
    ]);
    const aa = section.lines.find((line) => line.includes('A/A: Sentry alone again'));
    expect(aa).toContain('-2.0 (-3.0–-1.0)');
  });

  it('reports the target on the request path, met or not', () => {
    const within = [row('hello', 'sentry', 1, 80), row('hello', 'sentry+x', 1, 82.5)];
    expect(sentryModeSection(within).targets).toEqual([
      [expect.stringContaining('≤ 3 µs'), '+2.5 µs CPU/req', true],
    ]);
    const over = [
      ...[1, 2].flatMap((r) => [
        row('hello', 'sentry', r, 80),
        row('hello', 'sentry+x', r, 80 + 3 * r),
      ]),
    ];
    const [[, measured, ok]] = sentryModeSection(over).targets;
    expect([measured, ok]).toEqual(['+4.5 (+3.0–+6.0) µs CPU/req', false]);
    expect(sentryModeSection([])).toEqual({ lines: [], targets: [] });
  });

  it('the request path in one process: its own pairs, a line of its own, not counted as rounds', () => {
    const inProcess = [1, 2, 3, 4, 5].flatMap((r) => [
      row('in-process', 'sentry', r, 4),
      row('in-process', 'sentry+x', r, 4 + r / 2),
      row('in-process', 'sentry-again', r, 4),
    ]);
    const server = [row('hello', 'sentry', 1, 80), row('hello', 'sentry+x', 1, 82)];
    const figures = sentryModeFigures(inProcess, 'in-process');
    expect(figures.addedUs).toMatchObject({ median: 1.5, min: 0.5, max: 2.5, n: 5 });
    const { lines, targets } = sentryModeSection([...server, ...inProcess]);
    const line = lines.find((l) => l.startsWith('The same request path in one process'));
    expect(line).toContain('**+1.5 (+0.5–+2.5) µs CPU/req**, A/A +0.0');
    expect(lines.join('\n')).toContain(' 1 rounds,');
    expect(targets[0]?.[1]).toBe('+2.0 µs CPU/req');
    expect(sentryModeSection(server).lines.join('\n')).not.toContain('in one process');
  });

  it('counts the events of an envelope that carry a user', () => {
    const body = [
      '{}',
      '{"type":"event"}',
      '{"user":{"id":"u7","ip_address":"127.0.0.1"}}',
      '{"type":"event"}',
      '{"user":{"ip_address":"127.0.0.1"}}',
      '{"type":"client_report"}',
      '{"user":{"id":"not an event"}}',
    ].join('\n');
    expect(countEventsWithUser(Buffer.from(body))).toBe(1);
  });
});
