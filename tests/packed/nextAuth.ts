// Signing in to a next-auth v4 / Auth.js v5 app the way its sign-in form does, over real HTTP.

/** The session cookie's name over plain HTTP: next-auth v4 and Auth.js v5 name it differently. */
export const SESSION_COOKIE = {
  v4: 'next-auth.session-token',
  v5: 'authjs.session-token',
} as const;

/**
 * Signs in through the Credentials provider: the CSRF token (and its cookie) from
 * `/api/auth/csrf`, then `POST /api/auth/callback/credentials` with both. Returns the session
 * cookie as a `Cookie` header value (`name=value`), or throws with the status it got instead.
 */
export async function signInWithCredentials(
  url: string,
  account: { username: string; password: string },
  sessionCookie: string,
): Promise<string> {
  const csrf = await fetch(`${url}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const cookie = csrf.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const response = await fetch(`${url}/api/auth/callback/credentials`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams({
      csrfToken,
      username: account.username,
      password: account.password,
      json: 'true',
    }),
  });
  const session = response.headers
    .getSetCookie()
    .map((c) => c.split(';')[0] ?? '')
    .find((c) => c.startsWith(`${sessionCookie}=`));
  if (!session) {
    throw new Error(
      `no ${sessionCookie} cookie for ${account.username} (${response.status} ${response.headers.get('location') ?? ''})`,
    );
  }
  return session;
}
