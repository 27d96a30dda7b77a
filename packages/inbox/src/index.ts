// The public entry: start an inbox, and the types of its options, its handle and the JSON API's
// answers. Everything else is internal to the package and changes without notice.
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
} from './apiTypes';
export type { InboxOptions } from './options';
export type { InboxHandle } from './startInbox';
export { startInbox } from './startInbox';
