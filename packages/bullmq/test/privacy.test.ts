// The user a job carries is the producer's, after the producer's privacy rules: pseudonymized once
// when both sides pseudonymize, and without the auth user's email or IP unless the producer sends
// personal data.
import { createHmac, randomUUID } from 'node:crypto';
import { getIsolationScope, init, withIsolationScope, withJobScope, withUser } from '@x/bullmq';
import { type Job, Queue, Worker } from 'bullmq';
import { expect, it } from 'vitest';
import { eventsAbout, KEY, queueName, settledJob, useBackends } from './helpers';

const PSEUDONYM_KEY = 'bullmq-test-pseudonymize-key-0123456789';
const carol = {
  id: 'u-carol',
  username: 'carol',
  email: 'carol@example.com',
  ip_address: '10.1.2.3',
};
const pseudonym = (field: string, value: string) =>
  `px_${createHmac('sha256', PSEUDONYM_KEY).update(`${field}:${value}`).digest('hex').slice(0, 32)}`;

const backends = useBackends('each');

/**
 * Enqueues one job as carol — her the default user of the producer's scope, as an adapter's
 * resolver gives the auth user — under the producer's options, then runs the worker (its own
 * options) until the job failed; returns the stored event.
 */
async function producedThenRun(
  producer: Parameters<typeof init>[0],
  worker: Parameters<typeof init>[0],
) {
  const marker = randomUUID();
  const name = queueName('privacy');
  const base = { dsn: backends.inbox.dsn, sendClientReports: false, propagationKey: KEY };
  init({ ...base, ...producer });
  const queue = withUser(new Queue(name, { connection: backends.connection }));
  backends.track(queue);
  const job = await withIsolationScope(async () => {
    getIsolationScope().setUserResolver(() => carol);
    return queue.add('send', { n: 1 });
  });
  init({ ...base, ...worker });
  const processor = withJobScope(async (_job: Job) => {
    throw new Error(`privacy ${marker}`);
  });
  backends.track(new Worker(name, processor, { connection: backends.connection }));
  expect(await settledJob(queue, job)).toBe('failed');
  const [event] = await eventsAbout(backends.inbox, marker);
  return event;
}

it('is pseudonymized once when both sides pseudonymize', async () => {
  const both = { sendDefaultPii: true, pseudonymizeUsers: { key: PSEUDONYM_KEY } };
  const event = await producedThenRun(both, both);
  expect(event?.user).toMatchObject({
    id: pseudonym('id', carol.id),
    username: pseudonym('username', carol.username),
    email: pseudonym('email', carol.email),
  });
  expect(JSON.stringify(event)).not.toMatch(/u-carol|carol@example\.com/);
});

it('has no email or IP when the producer does not send personal data', async () => {
  const event = await producedThenRun({ sendDefaultPii: false }, { sendDefaultPii: true });
  expect(event?.user).toEqual({ id: 'u-carol', username: 'carol', sentry_user: 'id:u-carol' });
});

it('has the email and IP of the auth user when the producer sends personal data', async () => {
  const event = await producedThenRun({ sendDefaultPii: true }, { sendDefaultPii: true });
  expect(event?.user).toMatchObject({ email: carol.email, ip_address: carol.ip_address });
});
