// The enqueuing side: every job added through a wrapped Queue or FlowProducer carries the user of
// the code that adds it — the user an event captured there would carry, sealed (core's sealUser)
// into one job option (see stamp.ts). Sealing waits for the user resolver at most core's
// `userResolverTimeoutMs` and never throws: a job that cannot be stamped is added without a stamp.
import { sealUser } from '@x/core';
import type { FlowJob, FlowProducer, Queue } from 'bullmq';
import { stamped } from './stamp';

const WITH_USER = Symbol.for('@x/bullmq.withUser');

/** A job as `Queue.addBulk` takes it. */
interface BulkJob {
  name: string;
  data: unknown;
  opts?: object | undefined;
}

type Add = (...args: unknown[]) => Promise<unknown>;

/**
 * Makes a BullMQ `Queue` or `FlowProducer` stamp every job it adds — `add`, `addBulk`, and every
 * job of a flow, children included — with the caller's user: the user an event captured where
 * you call it would carry (after `sendDefaultPii` and `pseudonymizeUsers`), sealed under the
 * `propagationKey` option, in the job option `x_user`. `job.data` stays exactly what you pass.
 * Workers read it with {@link withJobScope}. Changes the instance itself (once; calling it again
 * is harmless) and returns it. Without a `propagationKey` or a user, jobs are added as before.
 *
 * @example
 * const invoices = withUser(new Queue('invoices', { connection }));
 * await invoices.add('send', { order: 'o-1' }); // in a request: carries its user
 */
export function withUser<Producer extends Queue | FlowProducer>(producer: Producer): Producer {
  const target = producer as unknown as Record<PropertyKey, unknown>;
  if (target[WITH_USER]) return producer;
  const add = bound(target, 'add');
  const addBulk = bound(target, 'addBulk');
  if (!add || !addBulk) return producer;
  const own = (value: unknown) => ({ value, configurable: true, writable: true });
  const flows = typeof target.getFlow === 'function';
  Object.defineProperties(producer, {
    add: own(flows ? addFlow(add) : addJob(add)),
    addBulk: own(flows ? addFlows(addBulk) : addJobs(addBulk)),
    [WITH_USER]: { value: true },
  });
  return producer;
}

function bound(target: Record<PropertyKey, unknown>, name: string): Add | undefined {
  const method = target[name];
  return typeof method === 'function' ? (method.bind(target) as Add) : undefined;
}

/** `Queue.add(name, data, opts)`, sealed first. */
function addJob(add: Add): Add {
  return async (name, data, opts, ...rest) =>
    add(name, data, stamped(opts as object | undefined, await sealUser()), ...rest);
}

/** `Queue.addBulk(jobs)`: one seal for all (one caller). */
function addJobs(addBulk: Add): Add {
  return async (jobs, ...rest) => {
    if (!Array.isArray(jobs)) return addBulk(jobs, ...rest);
    const token = await sealUser();
    if (!token) return addBulk(jobs, ...rest);
    const all = (jobs as BulkJob[]).map((job) =>
      job && typeof job === 'object' ? { ...job, opts: stamped(job.opts, token) } : job,
    );
    return addBulk(all, ...rest);
  };
}

/** `FlowProducer.add(flow, opts)`: every job of the tree carries the user. */
function addFlow(add: Add): Add {
  return async (flow, ...rest) => add(stampFlow(flow, await sealUser()), ...rest);
}

/** `FlowProducer.addBulk(flows)`. */
function addFlows(addBulk: Add): Add {
  return async (flows, ...rest) => {
    if (!Array.isArray(flows)) return addBulk(flows, ...rest);
    const token = await sealUser();
    return addBulk(
      flows.map((flow) => stampFlow(flow, token)),
      ...rest,
    );
  };
}

/** `flow` and its children, each with the token in its options; the caller's objects untouched. */
function stampFlow(flow: unknown, token: string | undefined, depth = 0): unknown {
  // A tree deeper than any real flow (or a cycle) goes on as it came: BullMQ decides about it,
  // and adding never fails because of @x.
  if (!token || !flow || typeof flow !== 'object' || depth > 1000) return flow;
  const node = flow as FlowJob;
  const copy: Record<string, unknown> = { ...node, opts: stamped(node.opts, token) };
  if (Array.isArray(node.children)) {
    copy.children = node.children.map((child) => stampFlow(child, token, depth + 1));
  }
  return copy;
}
