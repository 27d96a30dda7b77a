import { withUser } from '@x/next';

export const dynamic = 'force-dynamic';

export const GET = withUser(async (request) => {
  const delay = Math.min(Number(new URL(request.url).searchParams.get('delay')) || 0, 10_000);
  await new Promise((resolve) => setTimeout(resolve, delay));
  throw new Error('boom');
});
