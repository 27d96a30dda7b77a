import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { McpArgs } from './cliArgs';

/** The package that holds the MCP server, and what `x-inbox mcp` calls in it. */
const MCP_PACKAGE = '@x/inbox-mcp';

interface McpModule {
  runMcpServer(options: McpArgs): Promise<void>;
}

/**
 * `x-inbox mcp`: runs `runMcpServer` of `@x/inbox-mcp` (an MCP server on stdio). The package is
 * optional: it is looked up beside `@x/inbox`, then from the working directory (pnpm keeps an
 * app's dependencies out of each other's reach); without it, one line says how to add it and the
 * exit code is 1. Stdout carries only JSON-RPC: anything logged goes to stderr.
 */
export async function mcp(args: McpArgs): Promise<void> {
  console.log = console.error;
  console.info = console.error;
  const module = await loadMcpPackage();
  if (!module) {
    console.error(
      `x-inbox: x-inbox mcp needs the ${MCP_PACKAGE} package: npm install --save-dev ${MCP_PACKAGE}`,
    );
    process.exitCode = 1;
    return;
  }
  if (typeof module.runMcpServer !== 'function') {
    throw new Error(`${MCP_PACKAGE} has no runMcpServer export: update it`);
  }
  await module.runMcpServer(args);
}

/** `@x/inbox-mcp`, or `undefined` when it is not installed where it can be found. */
async function loadMcpPackage(): Promise<McpModule | undefined> {
  // A specifier in a variable: the bundler leaves it to Node at run time.
  const specifier: string = MCP_PACKAGE;
  try {
    return (await import(specifier)) as McpModule;
  } catch (error) {
    if (!isMissing(error)) throw error;
  }
  let file: string;
  try {
    file = createRequire(join(process.cwd(), 'noop.js')).resolve(MCP_PACKAGE);
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
  return (await import(pathToFileURL(file).href)) as McpModule;
}

/** Whether `error` says that `@x/inbox-mcp` itself (not one of its dependencies) is missing. */
function isMissing(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  const message = String((error as Error).message);
  return message.includes(`'${MCP_PACKAGE}'`) || message.includes(`"${MCP_PACKAGE}"`);
}
