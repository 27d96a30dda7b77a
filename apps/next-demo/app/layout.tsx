import type { ReactNode } from 'react';
import { Providers } from './providers';
import './style.css';

// The browser's DSN and privacy setting come from the server's environment at request time.
export const dynamic = 'force-dynamic';

export const metadata = { title: 'next-demo · @x' };

export default function RootLayout({ children }: { children: ReactNode }) {
  // Sentry mode (X_WITH_SENTRY=1) reports server-side errors only: no @x client in the browser.
  const dsn =
    process.env.X_WITH_SENTRY === '1'
      ? undefined
      : (process.env.X_DSN ?? 'http://xinboxdevkey@127.0.0.1:8969/1');
  const sendDefaultPii = (process.env.X_SEND_DEFAULT_PII ?? 'true') !== 'false';
  return (
    <html lang="en">
      <body>
        <Providers
          dsn={dsn}
          sendDefaultPii={sendDefaultPii}
          pseudonymous={Boolean(process.env.X_PSEUDONYMIZE_KEY)}
        >
          <header>
            <a href="/">next-demo</a> · <a href="/signin">sign in</a> ·{' '}
            <a href="/profile">profile</a>
          </header>
          <main>{children}</main>
        </Providers>
      </body>
    </html>
  );
}
