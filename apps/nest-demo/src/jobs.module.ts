import { BullModule } from '@nestjs/bullmq';
import { type DynamicModule, Module } from '@nestjs/common';
import { XBullModule } from '@x/bullmq/nest';
import { DEMO_QUEUE } from '@x/demo-kit/jobs';
import type { ConnectionOptions } from 'bullmq';
import { BoomProcessor, JobsController, NoJobsController } from './jobs.js';

/** The demo's jobs on `connection`'s Redis, or (without one) a route that says they are off. */
@Module({})
export class JobsModule {
  static register(connection: ConnectionOptions | undefined): DynamicModule {
    if (!connection) return { module: JobsModule, controllers: [NoJobsController] };
    return {
      module: JobsModule,
      imports: [
        // The app's own key prefix: another app on the same Redis (the demo runs two) has its own.
        BullModule.forRoot({ connection, prefix: 'nest-demo' }),
        BullModule.registerQueue({ name: DEMO_QUEUE }),
        XBullModule, // every @Processor and queue of the app: the user travels with the job
      ],
      controllers: [JobsController],
      providers: [BoomProcessor],
    };
  }
}
