import { Module } from '@nestjs/common';
import { ProjectionsService } from './projections.service';
import { ReactionsService } from './reactions.service';
import { WebhooksService } from './webhooks/webhooks.service';
import { ReportsWorkerModule } from './reports/reports-worker.module';
import { RedisPolicyService } from './redis-policy.service';
import { SweepWorkerModule } from './sweep/sweep-worker.module';
import { SealsWorkerModule } from './seals/seals-worker.module';

/**
 * Subscriptions, projections, process managers and BullMQ processors run here. Expects ApplicationModule from
 * the composition root (worker or server main).
 */
@Module({
  imports: [ReportsWorkerModule, SweepWorkerModule, SealsWorkerModule],
  providers: [RedisPolicyService, ReactionsService, ProjectionsService, WebhooksService],
  exports: [ReactionsService, ProjectionsService, WebhooksService],
})
export class WorkerModule {}
