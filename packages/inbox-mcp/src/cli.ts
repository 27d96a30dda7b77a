#!/usr/bin/env node
import { HELP, parseCliArgs } from './cliArgs';
import { runMcpServer } from './index';
import { VERSION } from './version';

async function main(): Promise<void> {
  let options: ReturnType<typeof parseCliArgs>;
  try {
    options = parseCliArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`x-inbox-mcp: ${(error as Error).message}\n\n${HELP}`);
    process.exit(2);
  }
  // --help and --version go to stdout: the server is not running then.
  if (options === 'help') return void console.log(HELP);
  if (options === 'version') return void console.log(VERSION);
  await runMcpServer(options);
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`x-inbox-mcp: ${message.replace(/^@x\/inbox-mcp: /, '')}`);
  process.exit(1);
});
