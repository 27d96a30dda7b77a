// undici (the transport's HTTP client) is loaded with the first envelope @x sends, not with
// @x/core: an app that never sends through @x — Sentry mode, or no DSN — never carries it.
// Checked on the built CommonJS entry, in a process of its own (its module cache is what tells).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { useSharedSink } from './sink';

const sink = useSharedSink(500);

const CHILD = `
const path = require('node:path');
const x = require(process.argv[1]);
const undiciLoaded = () =>
  Object.keys(require.cache).some((file) => file.includes(path.sep + 'undici' + path.sep));
(async () => {
  const atImport = undiciLoaded();
  x.init({ dsn: process.argv[2], sendClientReports: false });
  const beforeSend = undiciLoaded();
  x.captureException(new Error('lazy undici'));
  const flushed = await x.flush(5000);
  console.log(JSON.stringify({ atImport, beforeSend, flushed, afterSend: undiciLoaded() }));
})();
`;

it('loads undici with the first envelope it sends, not with the module', async () => {
  const entry = join(__dirname, '..', 'dist', 'node.cjs');
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', CHILD, entry, sink.dsn]);
  expect(JSON.parse(stdout)).toEqual({
    atImport: false,
    beforeSend: false,
    flushed: true,
    afterSend: true,
  });
  expect(JSON.stringify(sink.events())).toContain('lazy undici');
});
