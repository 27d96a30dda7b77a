import type { MetaEntry } from '../meta';

/** One `_meta` annotation, flattened: where, why, and the value that was dropped. */
export interface MetaNote {
  /** Keys from the root the notes were read from, e.g. `["ip_address"]`. */
  path: string[];
  /** The reasons, e.g. `["expected an ip address"]`. */
  reasons: string[];
  /** The original value's preview, when the inbox kept one. */
  value?: unknown;
}

/**
 * Flattens a `_meta` tree (or a subtree such as `_meta.user`) into notes, in
 * key order. Anything that is not shaped like Relay's `_meta` is skipped.
 */
export function metaNotes(tree: unknown, path: string[] = []): MetaNote[] {
  if (typeof tree !== 'object' || tree === null || Array.isArray(tree)) return [];
  const notes: MetaNote[] = [];
  for (const [key, child] of Object.entries(tree)) {
    if (key === '') {
      const entry = child as Partial<MetaEntry>;
      const reasons = Array.isArray(entry?.err)
        ? entry.err.map((err) =>
            Array.isArray(err) ? String(err[1]?.reason ?? err[0]) : String(err),
          )
        : [];
      const note: MetaNote = { path, reasons };
      if (entry && 'val' in entry) note.value = entry.val;
      notes.push(note);
    } else {
      notes.push(...metaNotes(child, [...path, key]));
    }
  }
  return notes;
}

/**
 * A note as one line, e.g. `ip_address: expected an ip address, got 'not-an-ip'`
 * (strings quoted, other values as JSON).
 */
export function formatMetaNote(note: MetaNote): string {
  const where = note.path.length ? note.path.join('.') : '(value)';
  const why = note.reasons.join('; ') || 'changed';
  if (!('value' in note)) return `${where}: ${why}`;
  const got = typeof note.value === 'string' ? `'${note.value}'` : JSON.stringify(note.value);
  return `${where}: ${why}, got ${got}`;
}
