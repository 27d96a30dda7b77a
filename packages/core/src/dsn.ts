/** The parts of a Sentry DSN: `{protocol}://{publicKey}[:{secret}]@{host}[:{port}]{/path}/{projectId}`. */
export interface Dsn {
  protocol: 'http' | 'https';
  publicKey: string;
  secretKey?: string | undefined;
  host: string;
  port: string;
  /** Path before the project id, without leading or trailing slash (`''` for none). */
  path: string;
  projectId: string;
}

/** Thrown by {@link parseDsn}; the message names the bad part and how to fix it. */
export class DsnError extends Error {
  override name = 'DsnError';
}

/**
 * Parses a DSN string. Throws a {@link DsnError} naming the bad part.
 *
 * @example parseDsn('http://x-dev-key@127.0.0.1:8969/1').projectId // '1'
 */
export function parseDsn(dsn: string): Dsn {
  if (typeof dsn !== 'string' || dsn.trim() === '') throw new DsnError('Invalid DSN: it is empty');
  // The message shows the DSN without its secret key.
  const bad = (problem: string) =>
    new DsnError(`Invalid DSN "${dsn.replace(/(\/\/[^:@/]*):[^@/]*@/, '$1:***@')}": ${problem}`);
  let url: URL;
  try {
    url = new URL(dsn.trim());
  } catch {
    throw bad('not a URL (expected {protocol}://{public_key}@{host}/{project_id})');
  }
  const protocol = url.protocol.slice(0, -1);
  if (protocol !== 'http' && protocol !== 'https')
    throw bad(`protocol "${protocol}" must be http or https`);
  if (!url.username) throw bad('the public key (before "@") is missing');
  if (!url.hostname) throw bad('the host is missing');
  const segments = url.pathname.split('/').filter(Boolean);
  const projectId = segments.pop();
  if (!projectId) throw bad('the project id (last path segment) is missing');
  if (!/^\d+$/.test(projectId)) throw bad(`project id "${projectId}" must be a number`);
  return {
    protocol,
    publicKey: decodeURIComponent(url.username),
    ...(url.password ? { secretKey: decodeURIComponent(url.password) } : {}),
    host: url.hostname,
    port: url.port,
    path: segments.join('/'),
    projectId,
  };
}

/** The DSN as a string again (without the secret key). */
export function dsnToString(dsn: Dsn): string {
  const port = dsn.port ? `:${dsn.port}` : '';
  const path = dsn.path ? `/${dsn.path}` : '';
  return `${dsn.protocol}://${dsn.publicKey}@${dsn.host}${port}${path}/${dsn.projectId}`;
}

/** The envelope endpoint: `{protocol}://{host}[:{port}]{/path}/api/{projectId}/envelope/`. */
export function envelopeEndpoint(dsn: Dsn): string {
  const port = dsn.port ? `:${dsn.port}` : '';
  const path = dsn.path ? `/${dsn.path}` : '';
  return `${dsn.protocol}://${dsn.host}${port}${path}/api/${dsn.projectId}/envelope/`;
}

/** The `X-Sentry-Auth` header value for `client` (`name/version`). */
export function authHeader(dsn: Dsn, client: string): string {
  return `Sentry sentry_version=7, sentry_key=${dsn.publicKey}, sentry_client=${client}`;
}

/** The same auth as query parameters (browsers use it to avoid a CORS preflight). */
export function authQuery(dsn: Dsn, client: string): string {
  return `sentry_version=7&sentry_key=${encodeURIComponent(dsn.publicKey)}&sentry_client=${encodeURIComponent(client)}`;
}
