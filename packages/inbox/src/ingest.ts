import type { IncomingMessage } from 'node:http';
import { checkKey, dsnKey, requestKey } from './auth';
import { jsonObject, MAX_JSON_DEPTH, malformed, nestedDeeperThan, parseEnvelope } from './envelope';
import { type Forwarder, forwardCategory } from './forwarder';
import type { GeoLookup } from './geo';
import { HttpError } from './httpError';
import { type ProcessedEvent, processEvent } from './processEvent';
import { readBody } from './readBody';
import type { RouteContext, RouteResult, Router } from './router';
import type { InboxStore } from './store';

/** What the ingest routes need. */
export interface IngestDeps {
  store: InboxStore;
  clientIp: (req: IncomingMessage) => string | undefined;
  geo: GeoLookup | undefined;
  forwarder: Forwarder | undefined;
  key: string | undefined;
  preventStoringIp: boolean;
  limits: { maxBodyBytes: number; maxEnvelopeBytes: number; maxEventBytes: number };
  /** Counts of items received but not stored, by item type. */
  skipped: Map<string, number>;
}

const EVENT_TYPES = new Set(['event']);

/** Adds `POST /api/:projectId/envelope/` and the legacy `POST /api/:projectId/store/`. */
export function addIngestRoutes(router: Router, deps: IngestDeps): void {
  router.post('/api/:projectId/envelope', (ctx) => ingestEnvelope(ctx, deps));
  router.post('/api/:projectId/store', (ctx) => ingestStore(ctx, deps));
}

async function ingestEnvelope(ctx: RouteContext, deps: IngestDeps): Promise<RouteResult> {
  const projectId = parseProjectId(ctx.params.projectId);
  const headerKey = requestKey(ctx.req, ctx.url);
  if (headerKey) checkKey(headerKey, deps.key);
  const body = await readBody(ctx.req, {
    maxBodyBytes: deps.limits.maxBodyBytes,
    maxDecompressedBytes: deps.limits.maxEnvelopeBytes,
  });
  const envelope = parseEnvelope(body);
  if (!headerKey) checkKey(dsnKey(envelope.header.dsn), deps.key);

  // Check every item before storing any, so a bad envelope changes nothing.
  const now = Date.now();
  const clientIp = deps.clientIp(ctx.req);
  const events: ProcessedEvent[] = [];
  const reports: unknown[] = [];
  for (const [index, item] of envelope.items.entries()) {
    const type = item.header.type;
    if (EVENT_TYPES.has(type)) {
      if (item.payload.length > deps.limits.maxEventBytes) {
        throw new HttpError(
          413,
          `event item exceeds the limit of ${deps.limits.maxEventBytes} bytes`,
        );
      }
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
      count(deps.skipped, type);
    }
  }
  for (const { event, grouping } of events) deps.store.insertEvent(event, grouping, projectId);
  for (const report of reports) deps.store.insertClientReport(projectId, now, report);
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
  });
  const payload = jsonObject(body, 'event');
  const processed = process(payload, deps.clientIp(ctx.req), undefined, Date.now(), deps);
  if (!processed) throw new HttpError(400, 'the event is not a JSON object');
  const { event, grouping } = processed;
  deps.store.insertEvent(event, grouping, projectId);
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

function count(map: Map<string, number>, type: string): void {
  map.set(type, (map.get(type) ?? 0) + 1);
}
