import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFileSpool } from '../src/fileSpool';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function spoolDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'x-file-spool-'));
  dirs.push(dir);
  return dir;
}

describe('createFileSpool', () => {
  it('caps the spool by the bytes of envelope text on disk, not by its length', async () => {
    // 1,000 "€" are 1,000 UTF-16 units and 3,000 bytes of UTF-8 on disk.
    const envelope = (n: number) => ({
      body: `{}\n{"type":"event"}\n"${n}${'€'.repeat(1000)}"`,
      categories: ['error' as const],
    });
    const spool = createFileSpool(spoolDir(), 4000);
    expect(await spool.write(envelope(1))).toBe(0);
    // ~6,000 bytes over a 4,000-byte cap: the oldest goes (counted by length, 2,000 would fit).
    expect(await spool.write(envelope(2))).toBe(1);
    const left = await spool.list();
    expect(left).toHaveLength(1);
    const bytes = await spool.read(left[0] as (typeof left)[0]);
    expect(new TextDecoder().decode(bytes)).toBe(envelope(2).body);
  });

  it('keeps bytes it read back as they were', async () => {
    const spool = createFileSpool(spoolDir());
    const body = new TextEncoder().encode('{}\n{"type":"event"}\n{"message":"ä"}');
    await spool.write({ body, categories: ['error'] });
    const [entry] = await spool.list();
    expect(await spool.read(entry as NonNullable<typeof entry>)).toEqual(body);
  });
});
