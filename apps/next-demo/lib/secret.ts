/** Demo only: the secret that signs sessions and the contract's Bearer tokens. */
export const AUTH_SECRET = process.env.NEXTAUTH_SECRET ?? process.env.JWT_SECRET ?? 'x-demo-secret';
