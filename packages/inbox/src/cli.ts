#!/usr/bin/env node
// Only the argument parser is loaded up front: each command's code (the inbox, tail, the MCP
// bridge) is imported when that command runs, so `npx x-inbox tail` does not load SQLite.
import { type CliCommand, COMMANDS, parseCommand } from './cliArgs';
import { VERSION } from './version';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let command: CliCommand;
  try {
    command = parseCommand(argv);
  } catch (error) {
    // One line: what is wrong, and where the help is.
    const message = (error as Error).message.split('\n')[0] ?? '';
    const sub = (COMMANDS as readonly string[]).includes(argv[0] ?? '') ? `${argv[0]} ` : '';
    const hint = /--help/.test(message) ? '' : ` (see x-inbox ${sub}--help)`;
    console.error(`x-inbox: ${message}${hint}`);
    process.exit(2);
  }
  switch (command.command) {
    case 'help':
      return void console.log(command.text);
    case 'version':
      return void console.log(VERSION);
    case 'serve':
      return (await import('./serve')).serve(command.options);
    case 'erase-user':
      return (await import('./serve')).eraseUser(command.args);
    case 'tail':
      return (await import('./tail')).tail(command.args);
    case 'mcp':
      return (await import('./mcp')).mcp(command.args);
  }
}

// One line, no stack: e.g. "x-inbox: no SQLite driver on Node 20.20.2: install better-sqlite3 (…), or use Node ≥ 22.13, …".
main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`x-inbox: ${message.replace(/^@x\/inbox: /, '')}`);
  process.exit(1);
});
