/**
 * Approximate geographical location of the user, as in Sentry's user interface.
 * All fields are strings; `country_code` is ISO 3166-1 alpha-2, upper case.
 */
export interface Geo {
  /** Human-readable city name. */
  city?: string | undefined;
  /** Two-letter country code (ISO 3166-1 alpha-2), e.g. `"DE"`. */
  country_code?: string | undefined;
  /** Human-readable region name or code. */
  region?: string | undefined;
  /** Human-readable subdivision name or code. */
  subdivision?: string | undefined;
}

/**
 * The user an event belongs to — Sentry's user interface.
 *
 * Keys are case-sensitive: only the well-known ones below are processed; any
 * other key (`Email`, `subscription`, …) is custom data, shown as `data.<key>`.
 */
export interface User {
  /** The application's internal identifier for the user. Numbers become strings. */
  id?: string | number | undefined;
  /** The username; a better label than the id. */
  username?: string | number | undefined;
  /** The user's email address. */
  email?: string | undefined;
  /**
   * A valid IPv4/IPv6 address, or `"{{auto}}"` to let the server use the
   * connection's address. `null` means "never infer an IP for this user".
   */
  ip_address?: string | null | undefined;
  /** Where the user is, approximately. */
  geo?: Geo | undefined;
  /** Custom data: any other JSON-serializable key. */
  [key: string]: unknown;
}

/**
 * A user as it leaves {@link normalizeUser}: every well-known field has its
 * final type and every custom value is plain JSON.
 */
export interface NormalizedUser {
  id?: string | undefined;
  username?: string | undefined;
  email?: string | undefined;
  ip_address?: string | null | undefined;
  geo?: Geo | undefined;
  [key: string]: unknown;
}
