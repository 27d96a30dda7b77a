import { HttpError } from './httpError';

/** Encodes a page position (numbers) as an opaque URL-safe cursor. */
export function encodeCursor(position: number[]): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/**
 * Decodes a cursor made by {@link encodeCursor} holding `length` numbers;
 * throws a 400 for anything else.
 */
export function decodeCursor(cursor: string | undefined, length: number): number[] | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  try {
    const position: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(position) &&
      position.length === length &&
      position.every((n) => Number.isFinite(n))
    ) {
      return position;
    }
  } catch {
    // fall through
  }
  throw new HttpError(400, 'invalid cursor');
}
