'use client';

import { ErrorBoundary, initBrowser, useUser } from '@x/next/client';
import { SessionProvider, useSession } from 'next-auth/react';
import { type ReactNode, useState } from 'react';

/** Sets the signed-in user on client-side events. */
function SignedInUser() {
  const { data } = useSession();
  const user = data?.user as
    | { id?: string; name?: string; email?: string; subscription?: string }
    | undefined;
  useUser(
    user?.id
      ? { id: user.id, username: user.name, email: user.email, subscription: user.subscription }
      : null,
  );
  return null;
}

export function Providers({
  dsn,
  sendDefaultPii,
  children,
}: {
  dsn: string;
  sendDefaultPii: boolean;
  children: ReactNode;
}) {
  // Once, on the first client render.
  useState(() =>
    typeof window === 'undefined'
      ? null
      : initBrowser({ dsn, sendDefaultPii, release: 'next-demo@0.1.0' }),
  );
  return (
    <SessionProvider>
      <SignedInUser />
      <ErrorBoundary fallback={<p role="alert">Something went wrong; it was reported.</p>}>
        {children}
      </ErrorBoundary>
    </SessionProvider>
  );
}
