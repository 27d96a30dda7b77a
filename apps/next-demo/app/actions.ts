'use server';

import { setUser, withServerAction } from '@x/next';

/** A server action that fails; its events are named by the `name` option. */
export const failingAction = withServerAction(
  async (): Promise<void> => {
    throw new Error('server action boom');
  },
  { name: 'failingAction' },
);

/**
 * A server action that sets the user itself (Sentry's pattern): it replaces the session user.
 * Its events are named after the function where the build keeps its name, else Next's action id.
 */
export const reassignAction = withServerAction(async function reassign(): Promise<void> {
  setUser({ email: 'override@example.com', plan: 'gold' });
  throw new Error('server action set user');
});

/** A server action that clears the user; unnamed, so its events carry Next's action id. */
export const clearUserAction = withServerAction(async (): Promise<void> => {
  setUser(null);
  throw new Error('server action clear user');
});
