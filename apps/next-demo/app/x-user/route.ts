import { pseudonymizeUser } from '@x/next';
import { getUser } from '../../lib/user';

export const dynamic = 'force-dynamic';

/**
 * The signed-in user as @x sends it (pseudonymized with `X_PSEUDONYMIZE_KEY`), for the browser's
 * own events: the browser never gets the key. Sentry mode has no @x client in the browser (and
 * none here to pseudonymize with): 404.
 */
export async function GET(request: Request): Promise<Response> {
  if (process.env.X_WITH_SENTRY === '1') return new Response(null, { status: 404 });
  return Response.json({ user: await pseudonymizeUser(await getUser(request)) });
}
