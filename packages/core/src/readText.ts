import { open } from 'node:fs/promises';

/**
 * A file's text, or `null` when it is missing, unreadable, not a regular file or larger than
 * `maxBytes` (the size is checked on the open handle, before anything is read).
 */
export async function readText(path: string, maxBytes: number): Promise<string | null> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, 'r');
    const stats = await handle.stat();
    if (!stats.isFile() || stats.size > maxBytes) return null;
    return await handle.readFile('utf8');
  } catch {
    return null;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
