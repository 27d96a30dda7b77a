// Pinning: the server under test gets CPU 0, the load generator (and this runner with its sink)
// CPU 1 — when there are two CPUs and `taskset` exists; otherwise nothing is pinned.
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

const hasTaskset = spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;

/** `true` when server and load generator run on different cores. */
export const pinned = hasTaskset && availableParallelism() >= 2;

/**
 * The command and args that run `command args` on CPU `cpu` (or unpinned); `nice` lowers its
 * priority (the load generator's, so the sink sharing its core answers promptly).
 */
export function onCpu(cpu, command, args, { nice = 0 } = {}) {
  const [cmd, argv] = pinned ? ['taskset', ['-c', String(cpu), command, ...args]] : [command, args];
  return nice ? ['nice', ['-n', String(nice), cmd, ...argv]] : [cmd, argv];
}

/** Moves this process (the runner and its sink) to CPU 1. */
export function pinSelf() {
  if (pinned) spawnSync('taskset', ['-pc', '1', String(process.pid)], { stdio: 'ignore' });
}

/** CPU of the server under test. */
export const SERVER_CPU = 0;
/** CPU of the load generator. */
export const LOAD_CPU = 1;
