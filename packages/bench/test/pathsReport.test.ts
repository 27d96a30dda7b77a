import { describe, expect, it } from 'vitest';
import { floorOf, variantsOf } from '../src/paths.mjs';
import { errorPathSection, requestPathSection } from '../src/report/paths.mjs';

/** One trial row as runPaths records it. */
const row = (mode: string, framework: string, variant: string, round: number, cpuUs: number) => ({
  mode,
  framework,
  variant,
  round,
  cpuUs,
  rps: 1e6 / cpuUs,
  p99: 1,
  rpsRatio: 1,
  p99Ratio: 1,
  rssRatio: 1,
  ...(mode === 'error' && variant !== 'bare' && variant !== 'aa'
    ? { thrown: 100, received: 100, dropped: 0 }
    : {}),
});

/** Error-path rows of Koa over three rounds: bare 100 µs, the floor +100 µs, @x + `xAdded`. */
function koaErrorRows(xAdded: number[]) {
  return [0, 1, 2].flatMap((i) => [
    row('error', 'koa', 'bare', i + 1, 100),
    row('error', 'koa', 'floor', i + 1, 200),
    row('error', 'koa', 'x', i + 1, 100 + (xAdded[i] ?? 0)),
    row('error', 'koa', 'sentry', i + 1, 1000),
    row('error', 'koa', 'aa', i + 1, 101),
  ]);
}

describe('paths report', () => {
  it('measures each floor only on its own path, and ends every round with the A/A trial', () => {
    expect(variantsOf('koa', 'hello')).toEqual([
      'bare',
      'als',
      'x',
      'sentry',
      'otel',
      'otel+x',
      'aa',
    ]);
    expect(variantsOf('koa', 'error')).toEqual(['bare', 'floor', 'x', 'sentry', 'aa']);
    expect(variantsOf('nest', 'error')).toEqual(['bare', 'floor', 'x', 'sentry', 'aa']);
    expect([floorOf('koa', 'hello'), floorOf('nest', 'hello'), floorOf('next', 'error')]).toEqual([
      'als',
      undefined,
      undefined,
    ]);
  });

  it("judges the error path by @x's added CPU against the floor's, round by round", () => {
    const target = (xAdded: number[]) =>
      errorPathSection(koaErrorRows(xAdded)).targets.find(([what]) =>
        String(what).includes('≤ 1.5× the floor'),
      );
    // Added over bare: the floor 100 µs each round; @x 140, 150, 300 → median ratio 1.5.
    expect(target([140, 150, 300])).toEqual([
      "error path koa: @x's added CPU per error ≤ 1.5× the floor's",
      '1.50 (1.40–3.00)× (@x +150.0 µs, floor +100.0 µs over bare)',
      true,
    ]);
    expect(target([160, 151, 120])?.[2]).toBe(false);
  });

  it('shows CPU × bare, × floor and × Sentry, and the A/A row', () => {
    const lines = errorPathSection(koaErrorRows([150, 150, 150])).lines.join('\n');
    const line = (label: string) => lines.split('\n').find((l) => l.includes(label)) ?? '';
    // @x: 250 µs; × bare 2.50, × floor 1.25, × Sentry 0.25.
    const cells = (label: string) =>
      line(label)
        .split('|')
        .slice(3, 7)
        .map((cell) => cell.trim().split(' ')[0]);
    expect(cells('| @x/koa ')).toEqual(['250.0', '2.50', '1.25', '0.25']);
    expect(cells('A/A')).toEqual(['101.0', '1.01', '0.51', '0.10']);
    expect(cells('| the floor:')).toEqual(['200.0', '2.00', '—', '0.20']);
  });

  it('holds the OpenTelemetry target to what @x adds over OpenTelemetry alone, in µs', () => {
    const hello = (variant: string, cpu: number[]) =>
      cpu.map((cpuUs, i) => row('hello', 'koa', variant, i + 1, cpuUs));
    const paths = [
      ...hello('bare', [20, 20, 20]),
      ...hello('als', [22, 22, 22]),
      ...hello('x', [23, 23, 23]),
      ...hello('otel', [80, 82, 81]),
      ...hello('otel+x', [84, 88, 85]),
    ];
    const otel = requestPathSection(paths).targets.find(([what]) =>
      String(what).includes('OpenTelemetry'),
    );
    expect(otel?.[1]).toMatch(/^\+4\.0 µs/);
    expect(otel?.[2]).toBe(true);
  });
});
