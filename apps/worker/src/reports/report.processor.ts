import { Inject, Logger } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Processor, WorkerHost } from '@nestjs/bullmq';
import { UnrecoverableError, type Job } from 'bullmq';
import {
  buildReport,
  CompileReportCommand,
  latestTrailSeal,
  loadReport,
  readLogUpTo,
  renderReportFiles,
  writeReportFiles,
} from '@ismap/application';
import { APP_CONFIG, type AppConfig } from '@ismap/config';
import { EVENT_STORE, type EventStore } from '@ismap/event-store';
import { deriveCommandId, fromJobData, jobCommandMetadata, QUEUES, ReportJobPayload } from '@ismap/jobs';

/**
 * Compiles a requested report: reads the log up to the position the request fixed, builds the report, writes
 * its files under DATA_DIR/reports/<id>/ and records their SHA-256 in ReportCompiled. A retry (crash, stall)
 * rebuilds byte-identical files from the same slice of the log, and the command id is derived from the report,
 * so the event is recorded once.
 */
@Processor(QUEUES.reports)
export class ReportProcessor extends WorkerHost {
  private readonly logger = new Logger(ReportProcessor.name);

  constructor(
    private readonly commandBus: CommandBus,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  async process(job: Job): Promise<{ files: number }> {
    const payload = fromJobData(ReportJobPayload, job.data);
    const state = await loadReport(this.store, payload.reportId);
    if (state.status === 'none') throw new UnrecoverableError('no such report');
    if (state.status === 'COMPILED') return { files: state.files.length };

    const events = await readLogUpTo(this.store, state.atPosition);
    await job.updateProgress(5);
    const seal = latestTrailSeal(events);
    const report = await buildReport(
      events,
      {
        reportId: state.reportId,
        period: state.period,
        atPosition: state.atPosition,
        ...(seal === undefined ? {} : { seal }),
      },
      (done) => job.updateProgress(5 + Math.round(done * 80)),
    );
    const files = renderReportFiles(report);
    await writeReportFiles(this.config.dataDir, state.reportId, files);
    await job.updateProgress(95);
    await this.commandBus.execute(
      new CompileReportCommand(
        state.reportId,
        files.map((f) => f.file),
        jobCommandMetadata(job, payload, { commandId: deriveCommandId('compile-report', state.reportId) }),
      ),
    );
    await job.updateProgress(100);
    this.logger.log({ msg: 'report compiled', reportId: state.reportId, files: files.length });
    return { files: files.length };
  }
}
