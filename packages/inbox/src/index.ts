// The public entry: start an inbox, the types of its options, its handle and the JSON API's
// answers, and the error it throws when no SQLite driver loads. Everything else is internal to the package and changes without notice.

export type { EventMatch, UserDetail } from './apiSearch';
export type {
  ErasedUser,
  EventDetail,
  EventSummary,
  IssueDetail,
  IssueSummary,
  IssueUser,
  Page,
  UserExport,
  UserExportIssue,
  UsersByValue,
  UserValueCount,
} from './apiTypes';
export type { InboxOptions } from './options';
export { SqliteUnavailableError } from './sqlite';
export type { InboxHandle } from './startInbox';
export { startInbox } from './startInbox';
export type { UserIssue } from './userQueries';
