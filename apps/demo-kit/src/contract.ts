// The demo contract, as one end-to-end suite every sample app runs: it starts
// the built app and the built inbox as real processes and reads back what the
// inbox stored.
import { describeEndToEnd } from './contract/endToEnd.js';

export { describeJobs } from './contract/jobs.js';
export { describeNestContexts } from './contract/nestContexts.js';

import { describeProxyAndPii, describePseudonymization } from './contract/privacySettings.js';
import { describeTraceContext } from './contract/traceContext.js';

/**
 * Runs the demo contract against a built sample app (`entry` = its built
 * server file). Each app is started with `PORT=0` and `X_DSN` set to a fresh
 * inbox; it must print `listening on http://…`.
 */
export function describeDemoContract(name: string, entry: string): void {
  describeEndToEnd(name, entry);
  // The settings suites start an app per setting: once, on the Node the test command runs on
  // (the runs on other Node versions set X_PACKED_SKIP).
  if (process.env.X_PACKED_SKIP === '1') return;
  describeProxyAndPii(name, entry);
  describePseudonymization(name, entry);
  describeTraceContext(name, entry);
}

/**
 * The end-to-end contract against the same build in Sentry mode (`X_WITH_SENTRY=1`: Sentry's SDK
 * captures and sends to the inbox, @x supplies the user); `sdkName` is the `sdk.name` of the
 * Sentry SDK the app uses. `npm test` runs it once, on its own Node.
 */
export function describeSentryMode(
  name: string,
  entry: string,
  sdkName = 'sentry.javascript.node',
): void {
  describeEndToEnd(`${name} (Sentry mode)`, entry, { sentry: { sdkName } });
}
