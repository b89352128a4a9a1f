import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ApplicationsController } from './applications/applications.controller';
import { AuditBodiesController } from './audit-bodies/audit-bodies.controller';
import { CommitteeController } from './committee/committee.controller';
import { FindingsController } from './findings/findings.controller';
import { HealthController } from './health/health.controller';
import { Clock, SystemClock } from './http/clock';
import { CommandMetadataFactory } from './http/command-metadata.factory';
import { ProblemDetailsFilter } from './http/problem-details.filter';
import { ProvidersController } from './providers/providers.controller';
import { QueriesModule } from './queries/queries.module';
import { ServicesController } from './services/services.controller';
import { AccessAuditService } from './access-log/access-audit.service';
import { AccessLogController } from './access-log/access-log.controller';
import { TokenRevocationsController } from './http/security/token-revocations.controller';
import { WebhooksController } from './webhooks/webhooks.controller';
import { WEBHOOK_API_PROVIDERS } from './webhooks/webhooks.providers';
import { ReportsController } from './reports/reports.controller';
import { ReportsQueueModule } from './reports/reports-queue.module';
import { IntegrityModule } from './integrity/integrity.module';

/** The HTTP edge. Expects ApplicationModule and AuthModule from the composition root (api or server main). */
@Module({
  imports: [QueriesModule, ReportsQueueModule, IntegrityModule],
  controllers: [
    HealthController,
    ProvidersController,
    AuditBodiesController,
    ApplicationsController,
    FindingsController,
    CommitteeController,
    ServicesController,
    AccessLogController,
    TokenRevocationsController,
    WebhooksController,
    ReportsController,
  ],
  providers: [
    AccessAuditService,
    { provide: Clock, useClass: SystemClock },
    CommandMetadataFactory,
    ...WEBHOOK_API_PROVIDERS,
    { provide: APP_FILTER, useClass: ProblemDetailsFilter },
  ],
})
export class ApiModule {}
