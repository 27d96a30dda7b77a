export * from '@x/core';
// Shadows core's `init` (an explicit export wins over `export *`): events say x.javascript.bullmq.
export { init } from './init';
export type { JobContext, JobLike } from './jobUnit';
export { withUser } from './producer';
export type { StalledJobsOptions } from './stalled';
export { captureStalledJobs } from './stalled';
export { X_USER_OPTION } from './stamp';
export type { JobProcessor, JobScopeOptions } from './worker';
export { withJobScope } from './worker';
