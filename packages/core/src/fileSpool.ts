// Node only: imported by the `node` entry, never by the main entry.
import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { debugWarn } from './debug';
import type { SerializedEnvelope } from './envelope';
import type { DataCategory } from './event';
import type { Spool, SpoolEntry } from './spool';

const SUFFIX = '.envelope';
let sequence = 0;

/**
 * A {@link Spool} in a directory: one file per envelope, written atomically
 * (temporary file, then rename), named so that names sort oldest first, and
 * capped at `maxBytes` (the oldest files are evicted). Use one directory per
 * process.
 */
export function createFileSpool(dir: string, maxBytes = 50 * 1024 * 1024): Spool {
  let total: number | undefined;
  const ready = mkdir(dir, { recursive: true });

  async function entries(): Promise<{ entry: SpoolEntry; name: string }[]> {
    await ready;
    const names = (await readdir(dir)).filter((n) => n.endsWith(SUFFIX)).sort();
    return names.map((name) => ({ name, entry: { id: name, categories: categoriesOf(name) } }));
  }

  async function size(name: string): Promise<number> {
    return stat(join(dir, name)).then(
      (s) => s.size,
      () => 0,
    );
  }

  return {
    async write(envelope: SerializedEnvelope): Promise<number> {
      await ready;
      if (total === undefined) {
        const all = await entries();
        total = (await Promise.all(all.map((e) => size(e.name)))).reduce((a, b) => a + b, 0);
      }
      const stamp = String(Date.now()).padStart(15, '0');
      const seq = String(sequence++ % 1e6).padStart(6, '0');
      const rand = Math.random().toString(36).slice(2, 8);
      const name = `${stamp}-${seq}-${rand}~${envelope.categories.join('+')}${SUFFIX}`;
      const tmp = join(dir, `.${name}.tmp`);
      await writeFile(tmp, envelope.body);
      await rename(tmp, join(dir, name));
      total += Buffer.byteLength(envelope.body);
      let evicted = 0;
      if (total > maxBytes) {
        for (const { name: old } of await entries()) {
          if (total <= maxBytes || old === name) break;
          const bytes = await size(old);
          await unlink(join(dir, old)).catch(() => undefined);
          total -= bytes;
          evicted++;
        }
        if (evicted > 0)
          debugWarn(`spool over ${maxBytes} bytes: ${evicted} oldest envelope(s) dropped`);
      }
      return evicted;
    },
    async list(): Promise<SpoolEntry[]> {
      return (await entries()).map((e) => e.entry);
    },
    async read(entry: SpoolEntry): Promise<Uint8Array | undefined> {
      return readFile(join(dir, entry.id)).then(
        (buffer) => new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length),
        () => undefined,
      );
    },
    async remove(entry: SpoolEntry): Promise<void> {
      const bytes = await size(entry.id);
      await unlink(join(dir, entry.id)).catch(() => undefined);
      if (total !== undefined) total = Math.max(0, total - bytes);
    },
  };
}

function categoriesOf(name: string): DataCategory[] {
  const tag = name.slice(name.indexOf('~') + 1, -SUFFIX.length);
  return (tag ? tag.split('+') : ['error']) as DataCategory[];
}
