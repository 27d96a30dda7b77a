// The SQLite layout of schema version 3 (src/schema.ts after the index merge, before the
// trace id column), verbatim in effect: version 2 with its three dropped indexes gone and
// `events_issue_route` built, for the migration test.
import { SCHEMA_V2_DDL } from './schemaV2';

/** Version 3's tables and indexes. */
export const SCHEMA_V3_DDL = `${SCHEMA_V2_DDL}
DROP INDEX IF EXISTS events_issue_received;
DROP INDEX IF EXISTS events_issue_transaction;
DROP INDEX IF EXISTS issue_users_count;
CREATE INDEX IF NOT EXISTS events_issue_route ON events (issue_id, transaction_name, received);
`;
