import { Module } from '@nestjs/common';
import { ProjectionsService } from './projections.service';
import { ReactionsService } from './reactions.service';

/**
 * Subscriptions, projections, process managers and BullMQ processors run here. Expects ApplicationModule from
 * the composition root (worker or server main).
 */
@Module({
  providers: [ReactionsService, ProjectionsService],
  exports: [ReactionsService, ProjectionsService],
})
export class WorkerModule {}
