import { existsSync } from 'node:fs';
import type { EraseUserArgs } from './cliArgs';
import { DBIP_ATTRIBUTION, describeGeoDatabase } from './geo';
import { InboxStore } from './inboxStore';
import { DEFAULT_DB_PATH, type InboxOptions } from './options';
import { startInbox } from './startInbox';
import { VERSION } from './version';

/** `x-inbox [serve]`: starts the inbox, prints its address, DSN and settings, stops on a signal. */
export async function serve(options: InboxOptions): Promise<void> {
  const inbox = await startInbox(options);
  console.log(`x-inbox ${VERSION} listening on ${inbox.boundUrl}`);
  console.log(`DSN: ${inbox.dsn}`);
  console.log(`database: ${options.dbPath ?? DEFAULT_DB_PATH} (SQLite via ${inbox.store.driver})`);
  if (inbox.forwarder) console.log(`forwarding to ${inbox.forwarder.dsn}`);
  const geo = inbox.geoDatabase;
  console.log(`geo: ${geo ? describeGeoDatabase(geo) : 'off (--no-geo)'}`);
  if (geo?.kind === 'dbip') console.log(DBIP_ATTRIBUTION);
  console.log(`web UI: ${inbox.url}/`);
  if (inbox.uiToken !== undefined) {
    console.log(
      options.uiAuth === undefined
        ? `UI/API token (generated, shown only now): ${inbox.uiToken} — the browser asks for it as the password (any user name); or send Authorization: Bearer <token>`
        : 'UI/API: behind the --ui-auth token (Basic auth password, any user name; or Authorization: Bearer <token>)',
    );
  }
  const stop = () => {
    void inbox.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** `x-inbox erase-user KEY --db PATH`: erases the user and says what was removed. */
export function eraseUser(args: EraseUserArgs): void {
  if (!existsSync(args.dbPath)) throw new Error(`no database at ${args.dbPath} (--db PATH)`);
  const store = new InboxStore(args.dbPath);
  try {
    const erased = store.eraseUser(args.userKey);
    if (!erased) {
      console.error(`x-inbox: no event has the user key ${args.userKey} in ${args.dbPath}`);
      process.exitCode = 3;
      return;
    }
    console.log(
      `erased ${erased.user_key} from ${args.dbPath}: ${erased.events} event(s) deleted, ` +
        `${erased.issues_removed} issue(s) removed, ${erased.issues_updated} recounted`,
    );
  } finally {
    store.close();
  }
}
