/**
 * An error with an HTTP status. Route handlers throw it; the router answers
 * with `status` and a JSON body `{ "detail": message }`.
 */
export class HttpError extends Error {
  override name = 'HttpError';

  /**
   * @param status HTTP status code, e.g. `400`.
   * @param detail Why the request was refused; sent to the client as `detail`.
   * @param headers Extra response headers (e.g. `WWW-Authenticate`).
   */
  constructor(
    readonly status: number,
    detail: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }
}
