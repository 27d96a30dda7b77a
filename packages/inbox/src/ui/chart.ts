import type { HistogramBucket } from '../issueQueries';
import { iso } from '../values';
import { count } from './format';
import { html, type SafeHtml } from './html';

const MINUTE = 60_000;
const STEPS = [1, 5, 15, 60, 180, 360, 1440, 10080].map((minutes) => minutes * MINUTE);
const MIN_BUCKETS = 24;
const MAX_BUCKETS = 48;

/** The time range and bucket size of an issue's chart. */
export interface ChartRange {
  from: number;
  to: number;
  step: number;
}

/**
 * Picks buckets for an issue's chart: the smallest step (1 min … 1 week) that
 * covers first seen to now in at most 48 buckets, at least 24 buckets, aligned
 * to the step. Older events than 48 weeks fall off the left edge.
 */
export function chartRange(firstSeen: number, now: number): ChartRange {
  const span = Math.max(0, now - firstSeen);
  const step = STEPS.find((s) => span / s < MAX_BUCKETS - 1) ?? (STEPS.at(-1) as number);
  const to = (Math.floor(now / step) + 1) * step;
  const buckets = Math.min(MAX_BUCKETS, Math.max(MIN_BUCKETS, Math.ceil((to - firstSeen) / step)));
  return { from: to - buckets * step, to, step };
}

/**
 * A bar chart of events per bucket: inline SVG stretched to the card's width
 * (no script, no inline styles), with the scale and time axis as HTML text so
 * the labels keep their size.
 */
export function renderChart(buckets: HistogramBucket[], step: number): SafeHtml {
  const width = 720;
  const height = 100;
  const max = Math.max(1, ...buckets.map((b) => b.count));
  const slot = width / Math.max(1, buckets.length);
  const bars = buckets.map((bucket, i) => {
    const h = bucket.count === 0 ? 1 : Math.max(2, (height * bucket.count) / max);
    const label = `${count(bucket.count)} event${bucket.count === 1 ? '' : 's'} · ${stamp(bucket.start, step)}`;
    return html`<rect class="${bucket.count ? 'bar' : 'bar empty'}" x="${(i * slot + 1).toFixed(1)}" y="${(height - h).toFixed(1)}" width="${Math.max(1, slot - 2).toFixed(1)}" height="${h.toFixed(1)}"><title>${label}</title></rect>`;
  });
  const first = buckets[0]?.start ?? 0;
  const last = (buckets.at(-1)?.start ?? 0) + step;
  const total = buckets.reduce((sum, b) => sum + b.count, 0);
  return html`<div class="chart-wrap">
<div class="chart-scale"><span>${count(max)}</span><span>0</span></div>
<svg class="chart" viewBox="0 0 ${width} ${height}" preserveAspectRatio="none" role="img" aria-label="${count(total)} events, ${stepName(step)} per bar">${bars}</svg>
<div class="chart-axis"><span>${stamp(first, step)}</span><span>${stamp(last, step)}</span></div>
</div>`;
}

/** What one bar stands for, e.g. "1 hour". */
export function stepName(step: number): string {
  const minutes = step / MINUTE;
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 1440) return `${minutes / 60} h`;
  return minutes === 1440 ? '1 day' : `${minutes / 1440} days`;
}

function stamp(ms: number, step: number): string {
  const text = iso(ms);
  return step >= 1440 * MINUTE
    ? text.slice(0, 10)
    : `${text.slice(5, 10)} ${text.slice(11, 16)} UTC`;
}
