'use server';

import { setUser, withServerAction } from '@x/next';

/** A server action that fails. */
export const failingAction = withServerAction(async (): Promise<void> => {
  throw new Error('server action boom');
});

/** A server action that sets the user itself (Sentry's pattern): it replaces the session user. */
export const reassignAction = withServerAction(async (): Promise<void> => {
  setUser({ email: 'override@example.com', plan: 'gold' });
  throw new Error('server action set user');
});

/** A server action that clears the user: no id, username or email on its event. */
export const clearUserAction = withServerAction(async (): Promise<void> => {
  setUser(null);
  throw new Error('server action clear user');
});
