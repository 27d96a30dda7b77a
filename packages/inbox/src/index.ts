export { exportFileName } from './api';
export type {
  ErasedUser,
  EventDetail,
  EventSummary,
  IssueDetail,
  IssueSort,
  IssueSummary,
  IssueUser,
  Page,
  UserExport,
  UserExportIssue,
} from './apiTypes';
export type { EraseUserArgs } from './cliArgs';
export { HELP, parseCliArgs, parseEraseUserArgs } from './cliArgs';
export type { InboxTrustProxy } from './clientIp';
export { createClientIp } from './clientIp';
export type { Envelope, EnvelopeItem } from './envelope';
export { parseEnvelope } from './envelope';
export type { EventQuery } from './eventQueries';
export type { ForwarderOptions, ForwardingOptions, ForwardingStats } from './forwarder';
export { Forwarder, forwardCategory } from './forwarder';
export type { GeoDatabase, GeoLookup, GeoSource } from './geo';
export {
  DBIP_ATTRIBUTION,
  DBIP_CITY_PACKAGE,
  DBIP_COUNTRY_PACKAGE,
  describeGeoDatabase,
  findDbipDatabase,
  geoFromRecord,
  openGeo,
  openGeoLookup,
} from './geo';
export type { FlushScheduler, GroupCommitOptions, GroupCommitStats } from './groupCommit';
export { GroupCommit } from './groupCommit';
export type { Grouping } from './grouping';
export { groupEvent } from './grouping';
export { HttpError } from './httpError';
export { InboxStore } from './inboxStore';
export type { HistogramBucket, IssueQuery } from './issueQueries';
export type { MetaEntry, MetaError, MetaTree } from './meta';
export { Meta } from './meta';
export type { NormalizedEvent, StoredEvent } from './normalizeEvent';
export { normalizeEvent } from './normalizeEvent';
export type { InboxOptions } from './options';
export {
  DEFAULT_DB_PATH,
  DEFAULT_HOST,
  DEFAULT_LIMITS,
  DEFAULT_PORT,
  DEFAULT_PROJECT_ID,
  DEV_PUBLIC_KEY,
} from './options';
export type { ProcessEventContext, ProcessedEvent } from './processEvent';
export { processEvent } from './processEvent';
export type { InferIp, ProcessUserContext } from './processUser';
export { inferIp, LEGACY_INFER_PLATFORMS, processUser } from './processUser';
export type { RouteContext, RouteHandler, RouteResult } from './router';
export { Router, send } from './router';
export { crossSiteRefusal } from './sameOrigin';
export type {
  OpenSqliteOptions,
  SqliteDatabase,
  SqliteDriverName,
  SqliteLoadContext,
  SqlParam,
  SqlRow,
  SqlRunResult,
  SqlStatement,
  SqlValue,
} from './sqlite';
export {
  chooseSqliteDriver,
  hasNodeSqlite,
  openSqlite,
  SQLITE_DRIVER_ENV,
  SqliteUnavailableError,
  sqliteLoadError,
} from './sqlite';
export type { InboxHandle } from './startInbox';
export { startInbox } from './startInbox';
export type { EnvelopeWrite } from './storeEnvelopes';
export { escapeHtml, html, raw, SafeHtml } from './ui/html';
export type { UiGeoSource, UiSettings } from './ui/layout';
export type { UserIssue, UserSummary } from './userQueries';
export { VERSION } from './version';
export type { UiDeps } from './webUi';
export { addUiRoutes, UI_CSP } from './webUi';
