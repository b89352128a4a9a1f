import { Module } from '@nestjs/common';
import { JobsModule, QUEUES, RegistrationSweep } from '@ismap/jobs';
import { RegistrationSweepProcessor } from './registration-sweep.processor';
import { SweepScheduleService } from './sweep-schedule.service';

/** The daily registration sweep: its Job Scheduler and its processor on the `expiry` queue. */
@Module({
  imports: [JobsModule.forRoot(), JobsModule.queues(QUEUES.expiry)],
  providers: [RegistrationSweep, RegistrationSweepProcessor, SweepScheduleService],
})
export class SweepWorkerModule {}
