import { Logger } from '@nestjs/common';
import { Processor, WorkerHost } from '@nestjs/bullmq';
import { CommandBus } from '@nestjs/cqrs';
import type { Job } from 'bullmq';
import { SealTrailCommand, type SealTrailResult } from '@ismap/application';
import { deriveCommandId, fromJobData, jobCommandMetadata, QUEUES, scheduledDayOf } from '@ismap/jobs';
import { SealTrailPayload } from './seal-payload';

/**
 * Seals the trail on the `seals` queue. The seal's own command id derives from the position it seals, so a
 * retried job, a second worker or a `cli seal` at the same moment record one seal between them.
 */
@Processor(QUEUES.seals, { concurrency: 1 })
export class SealProcessor extends WorkerHost {
  private readonly logger = new Logger(SealProcessor.name);

  constructor(private readonly commands: CommandBus) {
    super();
  }

  async process(job: Job): Promise<{ sealed: boolean; position: string | null; eventCount: number }> {
    const payload = fromJobData(SealTrailPayload, job.data);
    const day = scheduledDayOf(job);
    const metadata = jobCommandMetadata(job, payload, { commandId: deriveCommandId('seal-trail', day) });
    const result = await this.commands.execute<SealTrailCommand, SealTrailResult>(
      new SealTrailCommand(metadata),
    );
    const summary = {
      sealed: result.sealed,
      position: result.seal?.position ?? null,
      eventCount: result.seal?.eventCount ?? 0,
    };
    this.logger.log({ msg: 'trail sealed', jobId: job.id, day, ...summary, root: result.seal?.root });
    return summary;
  }
}
