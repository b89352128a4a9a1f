import { Module } from '@nestjs/common';
import { ReactionsService } from './reactions.service';
import { StoreFollowerService } from './store-follower.service';

/**
 * Subscriptions, projections, process managers and BullMQ processors run here. Expects ApplicationModule from
 * the composition root (worker or server main).
 */
@Module({
  providers: [StoreFollowerService, ReactionsService],
  exports: [StoreFollowerService, ReactionsService],
})
export class WorkerModule {}
