// Small numeric helpers for the benchmark report.

/** The median of `values` (mean of the middle two for an even count). */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** `{ median, min, max }` of `values`. */
export function summarize(values) {
  return {
    median: median(values),
    min: Math.min(...values),
    max: Math.max(...values),
    n: values.length,
  };
}

/** Formats a number with `digits` decimals and thousands separators. */
export function fmt(value, digits = 0) {
  if (!Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** "median (min–max)" with `digits` decimals and an optional unit suffix. */
export function fmtSummary(summary, digits = 0, unit = '') {
  if (!summary || summary.n === 0) return 'n/a';
  const range = summary.n > 1 ? ` (${fmt(summary.min, digits)}–${fmt(summary.max, digits)})` : '';
  return `${fmt(summary.median, digits)}${unit}${range}`;
}

/** Parses a wrk duration (`812.00us`, `1.23ms`, `2.00s`) into milliseconds. */
export function parseDurationMs(text) {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
  if (!match) return Number.NaN;
  const value = Number(match[1]);
  return { us: value / 1000, ms: value, s: value * 1000, m: value * 60_000 }[match[2]];
}
