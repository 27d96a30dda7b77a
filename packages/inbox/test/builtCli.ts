// Suites that run the built `x-inbox` (dist/cli.js) test what ships. Without a build they fail
// instead of skipping, so a run that forgot `pnpm build` cannot look green.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll } from 'vitest';

/** The built `x-inbox` bin. */
export const BUILT_CLI = join(__dirname, '..', 'dist', 'cli.js');

/** Fails every test of the enclosing suite, with what to do, when the package is not built. */
export function requireBuiltCli(): void {
  beforeAll(() => {
    if (!existsSync(BUILT_CLI)) {
      throw new Error(
        `${BUILT_CLI} is missing: run \`pnpm build\` (or \`pnpm --filter @x/inbox build\`) first`,
      );
    }
  });
}
