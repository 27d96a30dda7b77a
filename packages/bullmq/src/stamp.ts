// Where the user a job carries lives: one key of the job's options. BullMQ keeps option keys it
// does not know as they are — into the job's `opts` field in Redis and back onto `job.opts` — so
// the stamp travels with every attempt, retry and flow child while `job.data` stays exactly what
// the producer passed (what the processor, events, `getJob` and `updateData` see).

/** The job option that carries the sealed user (`x1.…`, see `sealUser` of `@x/core`). */
export const X_USER_OPTION = 'x_user';

/** The stamp `job` carries, as it came (`openUser` decides whether it is a user). */
export function stampOf(job: { opts?: object | undefined }): unknown {
  const opts = job.opts as Record<string, unknown> | undefined;
  return opts && typeof opts === 'object' ? opts[X_USER_OPTION] : undefined;
}

/** `opts` with `token` added; `opts` itself when there is no token. */
export function stamped<Opts extends object>(opts: Opts | undefined, token: string | undefined) {
  if (!token) return opts;
  // Object.assign rather than a spread: the same result, several times faster on Node 20.
  return Object.assign({}, opts, { [X_USER_OPTION]: token }) as Opts;
}
