import { getEventUser, withUser } from '@x/next';

export const dynamic = 'force-dynamic';

/** The user exactly as @x would send it for this request. */
export const GET = withUser(async () => Response.json({ user: await getEventUser() }));
