import { withUser } from '@x/next';

export const dynamic = 'force-dynamic';

export const GET = withUser(async () => {
  throw new Error('boom');
});
