import { findAccount } from '@x/demo-kit/accounts';
import type { NextAuthOptions } from 'next-auth';
import CredentialsProvider from 'next-auth/providers/credentials';

import { AUTH_SECRET } from './secret';

/** next-auth with a Credentials provider over the shared demo accounts, JWT sessions. */
export const authOptions: NextAuthOptions = {
  secret: AUTH_SECRET,
  session: { strategy: 'jwt' },
  pages: { signIn: '/signin' },
  providers: [
    CredentialsProvider({
      name: 'Demo account',
      credentials: {
        username: { label: 'Username' },
        password: { label: 'Password', type: 'password' },
      },
      authorize(credentials) {
        const account = findAccount(credentials?.username, credentials?.password);
        return account
          ? {
              id: account.id,
              name: account.username,
              email: account.email,
              subscription: account.subscription,
            }
          : null;
      },
    }),
  ],
  callbacks: {
    jwt({ token, user }) {
      if (user) token.subscription = (user as { subscription?: string }).subscription;
      return token;
    },
    session({ session, token }) {
      return {
        ...session,
        user: { ...session.user, id: token.sub, subscription: token.subscription },
      };
    },
  },
};
