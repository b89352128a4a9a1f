import { Module } from '@nestjs/common';
import { Clock, SystemClock } from '../http/clock';
import { ApplicationsQueryController } from './applications-query.controller';
import { CommitteeQueryController } from './committee-query.controller';
import { FindingsQueryController } from './findings-query.controller';
import { ListsController } from './lists.controller';
import { ReadModels } from './read-models.service';
import { ServicesQueryController } from './services-query.controller';
import { TrailQueryController } from './trail-query.controller';

/** The read side of the HTTP edge: every query route of API.md over the read models. */
@Module({
  controllers: [
    ListsController,
    ServicesQueryController,
    ApplicationsQueryController,
    FindingsQueryController,
    TrailQueryController,
    CommitteeQueryController,
  ],
  providers: [ReadModels, { provide: Clock, useClass: SystemClock }],
})
export class QueriesModule {}
