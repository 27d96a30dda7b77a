import { findAccount } from '@x/demo-kit/accounts';
import { withUser } from '@x/next';
import { encode } from 'next-auth/jwt';
import { AUTH_SECRET } from '../../lib/secret';

/** The demo contract's login: JSON credentials in, a Bearer token (next-auth's session JWT) out. */
export const POST = withUser(async (request) => {
  const body = (await request.json().catch(() => ({}))) as {
    username?: unknown;
    password?: unknown;
  };
  const account = findAccount(body.username, body.password);
  if (!account) return Response.json({ error: 'invalid username or password' }, { status: 401 });
  const token = await encode({
    secret: AUTH_SECRET,
    token: {
      sub: account.id,
      name: account.username,
      email: account.email,
      subscription: account.subscription,
    },
  });
  return Response.json({ token });
});
