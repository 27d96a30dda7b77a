import { withUser } from '@x/next';

export const runtime = 'edge';
export const dynamic = 'force-dynamic';

/** Throws in the Edge runtime. */
export const GET = withUser(async () => {
  throw new Error('edge boom');
});
