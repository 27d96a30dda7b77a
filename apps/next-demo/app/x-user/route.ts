import { pseudonymizeUser } from '@x/next';
import { getUser } from '../../lib/user';

export const dynamic = 'force-dynamic';

/**
 * The signed-in user as @x sends it (pseudonymized with `X_PSEUDONYMIZE_KEY`), for the browser's
 * own events: the browser never gets the key.
 */
export async function GET(request: Request): Promise<Response> {
  return Response.json({ user: await pseudonymizeUser(await getUser(request)) });
}
