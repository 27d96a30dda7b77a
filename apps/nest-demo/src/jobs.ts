// The demo's background jobs, the @nestjs/bullmq way: a queue the controller adds to, a
// `@Processor` whose `process` throws, and XBullModule — which is all @x needs: each job carries
// the user of the request that added it, and each failed attempt is an event with that user.
import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import {
  Controller,
  HttpCode,
  Post,
  Query,
  Req,
  ServiceUnavailableException,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import { DEMO_QUEUE, jobAttempts, jobsConcurrency } from '@x/demo-kit/jobs';
import type { Job, Queue } from 'bullmq';
import { OptionalJwtGuard } from './auth.js';

/** What `POST /jobs/boom` puts in a job. */
export interface BoomJob {
  requestedAt: string;
}

/** Answers 401 without a signed-in user; otherwise adds a failing job. */
function requireUser(req: { user?: unknown }): void {
  if (!req.user) throw new UnauthorizedException('sign in first');
}

/** `POST /jobs/boom`: adds a job (its user: the request's) and answers 202 `{ jobId }`. */
@Controller('jobs')
@UseGuards(OptionalJwtGuard)
export class JobsController {
  constructor(@InjectQueue(DEMO_QUEUE) private readonly queue: Queue<BoomJob>) {}

  @Post('boom')
  @HttpCode(202)
  async boom(@Req() req: { user?: unknown }, @Query('attempts') attempts?: string) {
    requireUser(req);
    const job = await this.queue.add(
      'boom',
      { requestedAt: new Date().toISOString() },
      { attempts: jobAttempts(attempts), removeOnComplete: true, removeOnFail: 1000 },
    );
    return { jobId: job.id };
  }
}

/** The worker, in this process: every job fails. */
@Processor(DEMO_QUEUE, { concurrency: jobsConcurrency() })
export class BoomProcessor extends WorkerHost {
  async process(job: Job<BoomJob>): Promise<never> {
    throw new Error(`job ${job.name} failed`);
  }
}

/** `POST /jobs/boom` without Redis: 503 (401 first, as with Redis). */
@Controller('jobs')
@UseGuards(OptionalJwtGuard)
export class NoJobsController {
  @Post('boom')
  boom(@Req() req: { user?: unknown }): never {
    requireUser(req);
    throw new ServiceUnavailableException('jobs are off: no Redis');
  }
}
