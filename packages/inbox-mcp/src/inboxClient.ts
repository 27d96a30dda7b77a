/** The inbox's address when none is given: where `npx x-inbox` listens by default. */
export const DEFAULT_INBOX_URL = 'http://127.0.0.1:8969';

const REQUEST_TIMEOUT_MS = 10_000;

/** A refusal of the inbox's JSON API (4xx/5xx), with its status and `detail`. */
export class InboxApiError extends Error {
  override name = 'InboxApiError';

  /**
   * @param status The HTTP status the inbox answered.
   * @param message What to tell the agent.
   */
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Query parameters; `undefined` ones are left out. */
export type QueryParams = Record<string, string | number | undefined>;

/**
 * A read-only client of a running inbox's JSON API (`GET` only). Every failure becomes an
 * `Error` whose message says what to do: an unreachable inbox names its URL, a missing token
 * names `--token`, a refusal carries the inbox's `detail`.
 */
export class InboxClient {
  /** The inbox's base URL, without a trailing slash. */
  readonly url: string;
  private readonly headers: Record<string, string>;

  /**
   * @param url The inbox's base URL, e.g. `http://127.0.0.1:8969`.
   * @param token The inbox's UI/API token (sent as `Authorization: Bearer …`), when it has one.
   * @throws {Error} when `url` is not an http(s) URL.
   */
  constructor(url: string, token?: string) {
    this.url = normalizeInboxUrl(url);
    this.headers = { Accept: 'application/json' };
    if (token) this.headers.Authorization = `Bearer ${token}`;
  }

  /** GETs `path` (e.g. `/api/issues`) with `params` and returns the parsed JSON answer. */
  async get<T>(path: string, params: QueryParams = {}): Promise<T> {
    const target = new URL(`${this.url}${path}`);
    for (const [name, value] of Object.entries(params)) {
      if (value !== undefined && value !== '') target.searchParams.set(name, String(value));
    }
    let response: Response;
    try {
      response = await fetch(target, {
        headers: this.headers,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw new Error(
        `cannot reach the inbox at ${this.url} (${networkReason(error)}): start it with ` +
          '`npx x-inbox`, or point this server at it with --url',
      );
    }
    const text = await response.text();
    if (!response.ok) throw this.refusal(response.status, text);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new Error(`${this.url} answered something that is not JSON: is it an x-inbox?`);
    }
  }

  private refusal(status: number, text: string): InboxApiError {
    let detail = text.slice(0, 300);
    try {
      const body = JSON.parse(text) as { detail?: unknown };
      if (typeof body.detail === 'string') detail = body.detail;
    } catch {
      // not JSON: keep the text
    }
    if (status === 401) {
      return new InboxApiError(
        status,
        `the inbox at ${this.url} needs its UI/API token: pass --token (x-inbox prints it at startup)`,
      );
    }
    return new InboxApiError(status, `the inbox at ${this.url} answered ${status}: ${detail}`);
  }
}

/** `url` without its trailing slashes; throws a message saying how to fix a malformed one. */
export function normalizeInboxUrl(url: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    // reported below
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new Error(
      `@x/inbox-mcp: the inbox URL must be an http(s) address such as ${DEFAULT_INBOX_URL}, ` +
        `not ${JSON.stringify(url)}`,
    );
  }
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
}

/** The most telling part of a failed `fetch`: its cause's code (`ECONNREFUSED`), or a timeout. */
function networkReason(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') {
    return `no answer in ${REQUEST_TIMEOUT_MS / 1000} s`;
  }
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}
