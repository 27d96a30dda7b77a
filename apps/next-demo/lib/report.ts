import { captureMessage } from '@x/next';

/**
 * Sends `message` (level `info`) and answers its event id: through Sentry's SDK in Sentry mode
 * (X_WITH_SENTRY=1; @x has no client of its own there), through @x otherwise.
 */
export async function report(message: string): Promise<string> {
  if (process.env.X_WITH_SENTRY === '1') {
    const Sentry = await import('@sentry/nextjs');
    return Sentry.captureMessage(message, 'info');
  }
  return captureMessage(message, 'info');
}
