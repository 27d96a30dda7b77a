// The SQLite layout of schema version 2 (src/schema.ts before the index merge), verbatim:
// version 1 plus the route columns and their indexes, for the migration test.
import { SCHEMA_V1_DDL } from './schemaV1';

/** Version 2's tables and indexes. */
export const SCHEMA_V2_DDL = `${SCHEMA_V1_DDL}
ALTER TABLE events ADD COLUMN transaction_name TEXT;
ALTER TABLE issues ADD COLUMN transaction_name TEXT;
-- Events of one transaction, newest first (the implicit rowid seq orders them).
CREATE INDEX IF NOT EXISTS events_transaction ON events (transaction_name);
-- The issues filter by transaction: has this issue an event of this transaction?
CREATE INDEX IF NOT EXISTS events_issue_transaction ON events (issue_id, transaction_name);
`;
