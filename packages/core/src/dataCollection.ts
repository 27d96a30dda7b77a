// The `dataCollection` option: its types (the shapes of Sentry's JavaScript SDK v11) and the one
// setting the browser client reads, `userInfo`. The server client resolves the rest
// (dataCollectionResolve.ts) and filters with it (dataCollectionFilter.ts, requestData.ts).
/**
 * How one kind of named data — cookies, request headers, query parameters — is collected, with
 * the meaning it has in Sentry's JavaScript SDK v11:
 *
 * - `true`: every name, with the value of a sensitive name (one containing `auth`, `token`,
 *   `secret`, `session`, `password`, `key`, `csrf`, `sid`, `cookie`, …) sent as `"[Filtered]"`;
 * - `false`: none of it;
 * - `{ allow: [...] }`: only names containing one of the terms keep their value, the others are
 *   sent as `"[Filtered]"`;
 * - `{ deny: [...] }`: names containing one of the terms are sent as `"[Filtered]"`.
 *
 * Terms match case-insensitively, anywhere in the name. The built-in sensitive names are
 * filtered under every setting: `allow` cannot let them through.
 */
export type CollectBehavior =
  | boolean
  | { allow: readonly string[]; deny?: undefined }
  | { deny: readonly string[]; allow?: undefined };

/**
 * Headers per direction, as in v11. @x records the headers of the request an event happened in;
 * `response` is accepted (a v11 configuration works unchanged) and has no effect.
 */
export interface HttpHeadersCollection {
  /** The headers of the request an event happened in (`request.headers`). */
  request?: CollectBehavior | undefined;
  /** Accepted as in v11; @x records no response headers. */
  response?: CollectBehavior | undefined;
}

/**
 * What the SDK collects on its own, per category, with the names and shapes of Sentry's
 * JavaScript SDK v11. A category left out keeps @x's default for it — nothing personal (or, with
 * `sendDefaultPii: true`, what that option collects); a category given here wins over
 * `sendDefaultPii`. What the app sets itself (`setUser`, `setContext`, …) is always sent.
 * The package README's "Data collection" table lists each category's default.
 */
export interface DataCollection {
  /**
   * What @x adds to the user on its own: the login user's `email` (the adapter's resolver),
   * the client IP (`user.ip_address`, `request.env.REMOTE_ADDR`, IP-carrying headers) and
   * so the location a backend derives from that IP. The login's `id` and `username` are sent
   * either way. @default false
   */
  userInfo?: boolean | undefined;
  /** `request.cookies`, parsed from the request's `Cookie` header. @default false */
  cookies?: CollectBehavior | undefined;
  /**
   * The request's headers (`request.headers`): one behaviour for both directions, or
   * `{ request, response }`. @default request headers whose names are not sensitive
   */
  httpHeaders?: CollectBehavior | HttpHeadersCollection | undefined;
  /** The request's query string (`request.query_string`). @default true */
  urlQueryParams?: CollectBehavior | undefined;
  /**
   * GraphQL operations (`@x/nest`): `variables` adds the operation's variables to
   * `contexts.graphql` (values of sensitive names `"[Filtered]"`). `document` is accepted and
   * has no effect: @x never sends the operation's text. @default `{ document: false, variables: false }`
   */
  graphQL?: { document?: boolean | undefined; variables?: boolean | undefined } | undefined;
  /**
   * (Node) Lines of source sent either side of each in-app frame's line; `0` sends none. Wins
   * over `contextLines`. @default `contextLines`, else 7
   */
  frameContextLines?: number | undefined;
}

/** The options {@link collectsUserInfo} reads. */
interface PrivacyOptions {
  sendDefaultPii?: boolean | undefined;
  dataCollection?: DataCollection | undefined;
}

/**
 * Whether the SDK adds the login's email and the client IP on its own: `dataCollection.userInfo`
 * when it is a boolean, else `sendDefaultPii: true`. Never throws (the server client says when
 * `userInfo` is malformed: dataCollectionResolve.ts).
 */
export function collectsUserInfo(options: PrivacyOptions): boolean {
  let given: unknown;
  try {
    given = options.dataCollection?.userInfo;
  } catch {
    // A throwing getter: as if not given.
  }
  return typeof given === 'boolean' ? given : options.sendDefaultPii === true;
}
