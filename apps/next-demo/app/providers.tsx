'use client';

import { ErrorBoundary, initBrowser, type User, useUser } from '@x/next/client';
import { SessionProvider, useSession } from 'next-auth/react';
import { type ReactNode, useEffect, useState } from 'react';

/**
 * Sets the signed-in user on client-side events. With pseudonymous users (X_PSEUDONYMIZE_KEY on
 * the server) the browser asks the server for its user already pseudonymized: the key stays there.
 */
function SignedInUser({ pseudonymous }: { pseudonymous: boolean }) {
  const { data } = useSession();
  const user = data?.user as
    | { id?: string; name?: string; email?: string; subscription?: string }
    | undefined;
  const [pseudonym, setPseudonym] = useState<User | null>(null);
  useEffect(() => {
    if (!pseudonymous || !user?.id) {
      setPseudonym(null);
      return;
    }
    fetch('/x-user')
      .then((res) => res.json())
      .then(
        (body: { user: User | null }) => setPseudonym(body.user),
        () => setPseudonym(null),
      );
  }, [pseudonymous, user?.id]);
  useUser(
    pseudonymous
      ? pseudonym
      : user?.id
        ? { id: user.id, username: user.name, email: user.email, subscription: user.subscription }
        : null,
  );
  return null;
}

export function Providers({
  dsn,
  sendDefaultPii,
  pseudonymous,
  children,
}: {
  /** Unset: no client in the browser (Sentry mode). */
  dsn: string | undefined;
  sendDefaultPii: boolean;
  pseudonymous: boolean;
  children: ReactNode;
}) {
  // Once, on the first client render.
  useState(() =>
    typeof window === 'undefined' || !dsn
      ? null
      : initBrowser({ dsn, sendDefaultPii, release: 'next-demo@0.1.0' }),
  );
  return (
    <SessionProvider>
      <SignedInUser pseudonymous={pseudonymous} />
      <ErrorBoundary fallback={<p role="alert">Something went wrong; it was reported.</p>}>
        {children}
      </ErrorBoundary>
    </SessionProvider>
  );
}
