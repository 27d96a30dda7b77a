import type { IncomingMessage } from 'node:http';
import { checkKey, dsnKey, requestKey } from './auth';
import {
  type EnvelopeItem,
  jsonObject,
  MAX_JSON_DEPTH,
  malformed,
  nestedDeeperThan,
  parseEnvelope,
} from './envelope';
import { type Forwarder, forwardCategory } from './forwarder';
import type { Gate } from './gate';
import type { GeoLookup } from './geo';
import type { GroupCommit } from './groupCommit';
import { HttpError } from './httpError';
import { type ProcessedEvent, processEvent } from './processEvent';
import { readBody } from './readBody';
import type { RouteContext, RouteResult, Router } from './router';
import type { EnvelopeWrite } from './storeEnvelopes';

/** What the ingest routes need. */
export interface IngestDeps {
  /** Stores each accepted envelope in a shared transaction; resolves once it is committed. */
  commit: GroupCommit<EnvelopeWrite>;
  clientIp: (req: IncomingMessage) => string | undefined;
  geo: GeoLookup | undefined;
  forwarder: Forwarder | undefined;
  key: string | undefined;
  preventStoringIp: boolean;
  limits: IngestLimits;
  /** Bounds concurrent decompression. */
  gate: Gate;
  /** Counts of items received but not stored, by item type. */
  skipped: Map<string, number>;
  /** Counts of refused requests, by reason (`/api/health`'s `refused`). */
  refused: Map<string, number>;
}

/** The limits ingest applies (see `DEFAULT_LIMITS`). */
export interface IngestLimits {
  maxBodyBytes: number;
  maxEnvelopeBytes: number;
  maxEventBytes: number;
  maxAttachmentBytes: number;
  maxEnvelopeItems: number;
  maxSessionCount: number;
}

const EVENT_TYPES = new Set(['event']);

/** Item types Relay counts as "the event" of an envelope: at most one of them (`check_envelope_size_limits`). */
const EVENT_LIKE = new Set([
  'event',
  'transaction',
  'security',
  'raw_security',
  'replay_event',
  'feedback',
  'form_data',
]);
/** Item types that may be large (Relay's attachment, profile and replay limits). */
const LARGE_ITEMS = new Set([
  'attachment',
  'unreal_report',
  'user_report',
  'profile',
  'profile_chunk',
  'replay_recording',
  'replay_video',
]);

/**
 * Relay's envelope item types (`ItemType` in `relay-server/src/envelope`); other
 * types are counted as `"other"` in `skipped_items`, so a sender cannot grow that map.
 */
export const KNOWN_ITEM_TYPES: ReadonlySet<string> = new Set([
  ...EVENT_LIKE,
  ...LARGE_ITEMS,
  'nel',
  'session',
  'sessions',
  'statsd',
  'metric_buckets',
  'client_report',
  'check_in',
  'log',
  'otel_log',
  'span',
  'otel_span',
  'otel_traces_data',
  'trace_metric',
  'integration',
]);

/** Why a refusal is counted in `/api/health`'s `refused`, by HTTP status. */
export function refusalReason(status: number): string {
  if (status === 400) return 'invalid';
  if (status === 401 || status === 403) return 'auth';
  if (status === 413) return 'too_large';
  if (status === 415) return 'encoding';
  if (status === 503) return 'busy';
  return String(status);
}

/** Adds one to `map[key]`. */
export function count(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/**
 * Relay's per-envelope limits (`check_envelope_size_limits`, answered with 413):
 * one event-like item, each item within its size, at most `maxSessionCount`
 * sessions, and (the inbox's own) at most `maxEnvelopeItems` items. Checked as
 * each item is parsed.
 */
function envelopeLimits(limits: IngestLimits): (item: EnvelopeItem, index: number) => void {
  let events = 0;
  let sessions = 0;
  return (item, index) => {
    const type = item.header.type;
    if (index + 1 > limits.maxEnvelopeItems) {
      throw new HttpError(413, `envelope has more than ${limits.maxEnvelopeItems} items`);
    }
    if (EVENT_LIKE.has(type) && ++events > 1) {
      throw new HttpError(
        413,
        `envelope has more than one event item (item ${index + 1} is a second "${type}")`,
      );
    }
    if ((type === 'session' || type === 'sessions') && ++sessions > limits.maxSessionCount) {
      throw new HttpError(413, `envelope has more than ${limits.maxSessionCount} session items`);
    }
    const max =
      LARGE_ITEMS.has(type) || !KNOWN_ITEM_TYPES.has(type)
        ? limits.maxAttachmentBytes
        : limits.maxEventBytes;
    if (item.payload.length > max) {
      throw new HttpError(
        413,
        `${type === 'event' ? 'event' : `"${type}"`} item exceeds the limit of ${max} bytes`,
      );
    }
  };
}

/** Adds `POST /api/:projectId/envelope/` and the legacy `POST /api/:projectId/store/`. */
export function addIngestRoutes(router: Router, deps: IngestDeps): void {
  router.post('/api/:projectId/envelope', (ctx) => counted(ingestEnvelope(ctx, deps), deps));
  router.post('/api/:projectId/store', (ctx) => counted(ingestStore(ctx, deps), deps));
}

async function counted(answer: Promise<RouteResult>, deps: IngestDeps): Promise<RouteResult> {
  try {
    return await answer;
  } catch (error) {
    if (error instanceof HttpError) count(deps.refused, refusalReason(error.status));
    throw error;
  }
}

async function ingestEnvelope(ctx: RouteContext, deps: IngestDeps): Promise<RouteResult> {
  const projectId = parseProjectId(ctx.params.projectId);
  const headerKey = requestKey(ctx.req, ctx.url);
  if (headerKey) checkKey(headerKey, deps.key);
  const body = await readBody(ctx.req, {
    maxBodyBytes: deps.limits.maxBodyBytes,
    maxDecompressedBytes: deps.limits.maxEnvelopeBytes,
    gate: deps.gate,
  });
  const envelope = parseEnvelope(body, envelopeLimits(deps.limits));
  if (!headerKey) checkKey(dsnKey(envelope.header.dsn), deps.key);

  // Check every item before storing any, so a bad envelope changes nothing.
  const now = Date.now();
  const clientIp = deps.clientIp(ctx.req);
  const events: ProcessedEvent[] = [];
  const reports: unknown[] = [];
  for (const [index, item] of envelope.items.entries()) {
    const type = item.header.type;
    if (EVENT_TYPES.has(type)) {
      const payload = jsonObject(item.payload, `item ${index + 1} (event)`);
      const processed = process(payload, clientIp, envelope.header.event_id, now, deps);
      if (processed) events.push(processed);
    } else if (type === 'client_report') {
      if (nestedDeeperThan(item.payload, MAX_JSON_DEPTH)) {
        throw malformed(
          `item ${index + 1} (client_report) is nested deeper than ${MAX_JSON_DEPTH} levels`,
        );
      }
      try {
        reports.push(JSON.parse(item.payload.toString('utf8')));
      } catch {
        count(deps.skipped, type);
      }
    } else {
      count(deps.skipped, KNOWN_ITEM_TYPES.has(type) ? type : 'other');
    }
  }
  // Answered only once the transaction holding this envelope has committed.
  await deps.commit.submit({ projectId, received: now, events, reports });
  deps.forwarder?.forwardEnvelope(body, forwardCategory(envelope.items, events[0]?.event));

  const id = events[0]?.event.event_id ?? envelope.header.event_id;
  return { body: typeof id === 'string' ? { id } : {} };
}

async function ingestStore(ctx: RouteContext, deps: IngestDeps): Promise<RouteResult> {
  const projectId = parseProjectId(ctx.params.projectId);
  checkKey(requestKey(ctx.req, ctx.url), deps.key);
  const body = await readBody(ctx.req, {
    maxBodyBytes: deps.limits.maxBodyBytes,
    maxDecompressedBytes: deps.limits.maxEventBytes,
    gate: deps.gate,
  });
  const payload = jsonObject(body, 'event');
  const now = Date.now();
  const processed = process(payload, deps.clientIp(ctx.req), undefined, now, deps);
  if (!processed) throw new HttpError(400, 'the event is not a JSON object');
  const { event } = processed;
  await deps.commit.submit({ projectId, received: now, events: [processed], reports: [] });
  deps.forwarder?.forwardEvent(body, event.event_id, forwardCategory([], event));
  return { body: { id: event.event_id } };
}

function process(
  payload: unknown,
  clientIp: string | undefined,
  envelopeEventId: unknown,
  now: number,
  deps: IngestDeps,
): ProcessedEvent | undefined {
  return processEvent(payload, {
    clientIp,
    envelopeEventId,
    now,
    geo: deps.geo,
    preventStoringIp: deps.preventStoringIp,
  });
}

function parseProjectId(raw: string | undefined): number {
  const id = Number(raw);
  if (!raw || !/^\d{1,15}$/.test(raw) || id < 1) {
    throw new HttpError(400, `invalid project id "${raw ?? ''}"`);
  }
  return id;
}
