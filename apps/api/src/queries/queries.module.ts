import { Module } from '@nestjs/common';
import { IDENTITY_CLAIM_REFUSAL, POLICY_FACTS } from '@ismap/auth';
import { Clock, SystemClock } from '../http/clock';
import { ApplicationsQueryController } from './applications-query.controller';
import { CommitteeQueryController } from './committee-query.controller';
import { FindingsQueryController } from './findings-query.controller';
import { ListsController } from './lists.controller';
import { refuseIdentityClaim } from './identity-claim-refusal';
import { EventStorePolicyFacts } from './policy-facts';
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
  // For AccessGuard (libs/auth): what it loads about an object before applying the route policy, and how it
  // refuses a body claiming an identity.
  providers: [
    ReadModels,
    { provide: Clock, useClass: SystemClock },
    { provide: POLICY_FACTS, useClass: EventStorePolicyFacts },
    { provide: IDENTITY_CLAIM_REFUSAL, useValue: refuseIdentityClaim },
  ],
})
export class QueriesModule {}
