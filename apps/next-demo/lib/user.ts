import type { User } from '@x/next';
import { getToken } from 'next-auth/jwt';
import { AUTH_SECRET } from './secret';

/**
 * The signed-in user of a request, from next-auth's session cookie or a
 * `Bearer` token (the demo contract's `/login` issues the same JWT). Used by
 * @x/next lazily, only when an event is built.
 */
export async function getUser(request: Request): Promise<User | null> {
  const cookies = new Map<string, string>();
  for (const part of (request.headers.get('cookie') ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0)
      cookies.set(part.slice(0, at).trim(), decodeURIComponent(part.slice(at + 1).trim()));
  }
  const token = await getToken({
    req: { headers: request.headers, cookies } as unknown as Parameters<typeof getToken>[0]['req'],
    secret: AUTH_SECRET,
  });
  if (!token?.sub) return null;
  return {
    id: token.sub,
    username: token.name ?? undefined,
    email: token.email ?? undefined,
    subscription: token.subscription,
  };
}
