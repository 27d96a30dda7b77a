import { expect, it } from 'vitest';
// @ts-expect-error: a plain ESM script without types
import { measure } from '../bench/size.mjs';

it('the browser client stays well under half of @sentry/browser for init + setUser + captureException', async () => {
  const ours = (await measure('@x/next/client')) as { gzip: number };
  const sentry = (await measure('@sentry/browser')) as { gzip: number };
  expect(ours.gzip).toBeLessThan(20_000); // 20 KB (KB = 1,000 bytes, as everywhere in this repo)
  expect(ours.gzip / sentry.gzip).toBeLessThan(0.6);
});
