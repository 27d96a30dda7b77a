import { preview } from '@x/core/internal';

/** One error in Relay's `_meta` format: `[kind, { reason }]`. */
export type MetaError = [kind: string, data: { reason: string }];

/**
 * One remark in Relay's `_meta` format: `[rule_id, type, start, end]`, e.g.
 * `["!limit", "s", 197, 200]` — characters 197…200 were substituted ("...") by
 * the length limit.
 */
export type MetaRemark = [ruleId: string, type: string, start: number, end: number];

/** The annotation of one value: what went wrong, what was changed, and the original value or length. */
export interface MetaEntry {
  /** Errors, e.g. `[["invalid_data", { reason: "expected an ip address" }]]`. */
  err?: MetaError[];
  /** A short preview of the original (dropped) value, when there was one. */
  val?: unknown;
  /** Remarks on a changed value, e.g. a string cut by a length limit. */
  rem?: MetaRemark[];
  /** The original length (characters of a string, items of a list) of a value that was cut. */
  len?: number;
}

/**
 * The `_meta` tree of an event, as Relay writes it: an object mirroring the
 * event's shape whose `""` keys hold a {@link MetaEntry} for the value at that
 * path, e.g. `{ user: { ip_address: { "": { err: [...], val: "nope" } } } }`.
 */
export interface MetaTree {
  [key: string]: MetaTree | MetaEntry | undefined;
}

/** Collects annotations for dropped or changed values while an event is processed. */
export class Meta {
  // Null-prototype nodes: event keys such as "__proto__" must stay plain keys here.
  private readonly root: MetaTree = Object.create(null);
  private count = 0;

  /**
   * Records that the value at `path` was dropped.
   *
   * @param path Keys from the event root, e.g. `["user", "ip_address"]`.
   * @param reason Why, e.g. `"expected an ip address"`.
   * @param value The original value (stored as a short preview); omit for none.
   * @param kind Relay's error kind. @default "invalid_data"
   */
  add(path: readonly string[], reason: string, value?: unknown, kind = 'invalid_data'): void {
    // "" is the entry key of the tree, so a value under an empty key is annotated on its parent.
    const empty = path.indexOf('');
    if (empty !== -1) {
      this.add(path.slice(0, empty), `attribute "": ${reason}`, undefined, kind);
      return;
    }
    const entry = this.entry(path);
    entry.err = [...(entry.err ?? []), [kind, { reason }]];
    const shown = preview(value);
    if (shown !== undefined && !('val' in entry)) entry.val = shown;
    this.count++;
  }

  /**
   * Records that the string at `path` was cut to `maxChars` characters as Relay's
   * `trim_string` does: remark `["!limit", "s", maxChars - 3, maxChars]` (the "..."
   * put in) and `len`, the original length in characters.
   */
  trimmed(path: readonly string[], maxChars: number, originalLength: number): void {
    const entry = this.entry(path);
    entry.rem = [...(entry.rem ?? []), ['!limit', 's', maxChars - 3, maxChars]];
    entry.len = originalLength;
    this.count++;
  }

  /** Records that parts of the string at `path` were replaced by rule `ruleId` (ranges in the new string). */
  replaced(
    path: readonly string[],
    ruleId: string,
    ranges: readonly [number, number][],
    originalLength: number,
  ): void {
    const entry = this.entry(path);
    const remarks = ranges.map(([start, end]): MetaRemark => [ruleId, 's', start, end]);
    entry.rem = [...(entry.rem ?? []), ...remarks];
    entry.len ??= originalLength;
    this.count++;
  }

  /** Records the original number of items of a list that was shortened (Relay's `len`). */
  originalLength(path: readonly string[], length: number): void {
    this.entry(path).len = length;
    this.count++;
  }

  private entry(path: readonly string[]): MetaEntry {
    let node = this.root;
    for (const key of path) {
      // Entries live only under "", so every other key holds a subtree.
      let next = Object.hasOwn(node, key) ? (node[key] as MetaTree) : undefined;
      if (!next) {
        next = Object.create(null) as MetaTree;
        node[key] = next;
      }
      node = next;
    }
    const entry = (node[''] as MetaEntry | undefined) ?? {};
    node[''] = entry;
    return entry;
  }

  /** `true` when nothing was recorded. */
  get isEmpty(): boolean {
    return this.count === 0;
  }

  /** The collected tree (for the stored event's `_meta`). */
  toJSON(): MetaTree {
    return this.root;
  }
}
