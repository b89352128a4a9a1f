import { Module } from '@nestjs/common';
import { JobsModule, QUEUES } from '@ismap/jobs';
import { ReportProcessor } from './report.processor';

/** The processor of the `reports` queue (the report to the Cybersecurity Strategic Headquarters). */
@Module({
  imports: [JobsModule.forRoot(), JobsModule.queues(QUEUES.reports)],
  providers: [ReportProcessor],
})
export class ReportsWorkerModule {}
