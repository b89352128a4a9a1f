import { Module } from '@nestjs/common';
import { JobsModule, QUEUES } from '@ismap/jobs';
import { SealProcessor } from './seal.processor';
import { SealScheduleService } from './seal-schedule.service';

/** The daily trail seal: its Job Scheduler and its processor on the `seals` queue (docs/adr/0011). */
@Module({
  imports: [JobsModule.forRoot(), JobsModule.queues(QUEUES.seals)],
  providers: [SealProcessor, SealScheduleService],
})
export class SealsWorkerModule {}
