'use server';

import { withServerAction } from '@x/next';

/** A server action that fails. */
export const failingAction = withServerAction(async (): Promise<void> => {
  throw new Error('server action boom');
});
