import { Module } from '@nestjs/common';
import { JobsModule, QUEUES } from '@ismap/jobs';

const reportsQueue = JobsModule.queues(QUEUES.reports);

/**
 * The `reports` queue for ReportsController (which lives in ApiModule beside the command metadata factory it
 * shares with every command route); the worker compiles.
 */
@Module({
  imports: [JobsModule.forRoot(), reportsQueue],
  exports: [reportsQueue],
})
export class ReportsQueueModule {}
