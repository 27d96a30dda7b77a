// Request parameters read the same way by the JSON API and the web UI.
import type { IssueSort } from './apiTypes';
import { HttpError } from './httpError';
import { validTraceId } from './traceContext';

/** The ways issues can be sorted (always descending), in the order the UI offers them. */
const ISSUE_SORTS: readonly IssueSort[] = ['last_seen', 'first_seen', 'events', 'users'];

/** `sort` of an issues list: `last_seen` when absent or empty; a 400 for anything unknown. */
export function issueSort(raw: string | null | undefined): IssueSort {
  if (raw === null || raw === undefined || raw === '') return 'last_seen';
  if (!(ISSUE_SORTS as readonly string[]).includes(raw)) {
    throw new HttpError(400, `sort must be one of ${ISSUE_SORTS.join(', ')}`);
  }
  return raw as IssueSort;
}

/** A decimal integer of 1–15 digits (so it fits a double exactly), or `undefined`. */
export function parseUint(raw: string | null | undefined): number | undefined {
  return raw !== null && raw !== undefined && /^\d{1,15}$/.test(raw) ? Number(raw) : undefined;
}

/** A page's size when the request names none, and the largest one a request may ask for. */
const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 1000;

/** An optional positive integer parameter: `undefined` when absent or empty, else a 400 naming it. */
export function optionalUint(raw: string | null, name: string): number | undefined {
  if (raw === null || raw === '') return undefined;
  const value = parseUint(raw);
  if (value === undefined) throw new HttpError(400, `${name} must be a positive integer`);
  return value;
}

/** `limit` of a page: 50 when absent, 1…1000, else a 400. */
export function pageLimit(raw: string | null): number {
  const value = optionalUint(raw, 'limit') ?? DEFAULT_LIMIT;
  if (value < 1 || value > MAX_LIMIT) throw new HttpError(400, `limit must be 1…${MAX_LIMIT}`);
  return value;
}

/** A user key as the API takes it (`id:u-alice`, `email:a@example.com`, …). */
export function userKeyParam(raw: string | undefined): string {
  if (!raw || raw.length > 300)
    throw new HttpError(400, 'a user key such as id:u-alice is required');
  return raw;
}

/** An event id from a URL: dashes (UUID form) removed, lower case, as stored. */
export function eventIdParam(raw: string | undefined): string {
  return String(raw).replaceAll('-', '').toLowerCase();
}

/**
 * A `trace_id` filter: `undefined` when absent or empty, the id lower-cased when it is 32 hex
 * digits and not all zero, else a 400 saying so (the same check ingest applies to
 * `contexts.trace.trace_id`).
 */
export function traceIdParam(raw: string | null | undefined): string | undefined {
  const trimmed = raw?.trim();
  if (!trimmed) return undefined;
  const traceId = validTraceId(trimmed);
  if (traceId === undefined) {
    throw new HttpError(400, 'trace_id must be 32 hex digits, not all zero (a W3C trace id)');
  }
  return traceId;
}
