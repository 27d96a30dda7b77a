import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** A fresh UI/API token: 24 random bytes, base64url (32 characters). */
export function generateToken(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * The credentials check of the UI and JSON API (Mailpit's UI auth, as a
 * single token): `Authorization: Bearer <token>`, or HTTP Basic with the token
 * as the password and any user name (what a browser's login prompt sends).
 * Returns `true` when the request carries the token. Compared in constant time.
 */
export function createTokenCheck(token: string): (req: IncomingMessage) => boolean {
  const want = digest(token);
  return (req) => {
    const header = req.headers.authorization;
    if (typeof header !== 'string') return false;
    const space = header.indexOf(' ');
    if (space === -1) return false;
    const scheme = header.slice(0, space).toLowerCase();
    const value = header.slice(space + 1).trim();
    let given: string | undefined;
    if (scheme === 'bearer') given = value;
    else if (scheme === 'basic') {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      given = colon === -1 ? undefined : decoded.slice(colon + 1);
    }
    return given !== undefined && timingSafeEqual(digest(given), want);
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
