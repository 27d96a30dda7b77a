#!/usr/bin/env node
import { HELP, parseCliArgs } from './cliArgs';
import { DBIP_ATTRIBUTION } from './geo';
import { DEFAULT_DB_PATH } from './options';
import { startInbox } from './startInbox';
import { VERSION } from './version';

async function main(): Promise<void> {
  let options: ReturnType<typeof parseCliArgs>;
  try {
    options = parseCliArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`x-inbox: ${(error as Error).message}\n\n${HELP}`);
    process.exit(2);
  }
  if (options === 'help') return void console.log(HELP);
  if (options === 'version') return void console.log(VERSION);
  const inbox = await startInbox(options);
  console.log(`x-inbox ${VERSION} listening on ${inbox.url}`);
  console.log(`DSN: ${inbox.dsn}`);
  console.log(`database: ${options.dbPath ?? DEFAULT_DB_PATH}`);
  if (options.forward) console.log(`forwarding to ${options.forward.replace(/:[^@/]*@/, ':***@')}`);
  if (options.geo !== false) {
    console.log(options.geoipDb ? `geo: ${options.geoipDb}` : DBIP_ATTRIBUTION);
  }
  console.log(`web UI: ${inbox.url}/`);
  const stop = () => {
    void inbox.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`x-inbox: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
