// Cells and tables for the benchmark report.
import { fmt, fmtSummary, summarize } from '../lib/stats.mjs';

/** The rows of `rows` whose fields equal every field of `where`. */
export const pick = (rows, where) =>
  rows.filter((r) => Object.entries(where).every(([k, v]) => r[k] === v));
export const kb = (bytes) => `${(bytes / 1000).toFixed(1)} KB`;
export const pct = (x) => `${(x * 100).toFixed(1)} %`;
export const met = (ok) => (ok ? '**met**' : '**not met**');
export const median = (rows, key) => summarize(rows.map((r) => r[key])).median;
export const signed = (x) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}`;

/** "median (min–max)" of one field over `rows`. */
export const summaryCell = (rows, key, digits, unit) =>
  fmtSummary(summarize(rows.map((r) => r[key])), digits, unit);

/** `value(row)` summed over `rows`, formatted. */
export const total = (rows, value) => fmt(rows.reduce((sum, r) => sum + value(r), 0));

/** The share of thrown errors the sink received, with the counts (and those reported dropped). */
export function receivedCell(rows, { dropped = false } = {}) {
  const share = fmtSummary(summarize(rows.map((r) => (100 * r.received) / r.thrown)), 1, ' %');
  const counts = `${total(rows, (r) => r.received)} / ${total(rows, (r) => r.thrown)}`;
  const droppedNote = dropped ? `; ${total(rows, (r) => r.dropped ?? 0)} reported dropped` : '';
  return `${share} (${counts}${droppedNote})`;
}

/**
 * A Markdown table: the `left`-aligned headings, then the `right`-aligned ones, then one line per
 * row of cells. An empty cell is written as one space, as a Markdown formatter writes it.
 */
export function table(left, right, rows) {
  const line = (cells) => `|${cells.map((cell) => (cell === '' ? ' |' : ` ${cell} |`)).join('')}`;
  return [
    line([...left, ...right]),
    line([...left.map(() => '---'), ...right.map(() => '---:')]),
    ...rows.map(line),
  ];
}
