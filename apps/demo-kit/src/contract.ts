// The demo contract, as one end-to-end suite every sample app runs: it starts
// the built app and the built inbox as real processes and reads back what the
// inbox stored.
import { describeEndToEnd } from './contract/endToEnd.js';

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
  describeProxyAndPii(name, entry);
  describePseudonymization(name, entry);
  describeTraceContext(name, entry);
}
