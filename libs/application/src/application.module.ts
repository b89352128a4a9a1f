import type { DynamicModule, OnApplicationShutdown } from '@nestjs/common';
import { Global, Inject, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '@ismap/config';
import { EVENT_STORE, type EventStore } from '@ismap/event-store';
import { IdempotencyStore } from './idempotency/idempotency-store';
import { createEventStore, createRedis, REDIS } from './infrastructure';
import {
  ApplicationActionHandler,
  ReferApplicationHandler,
  ResubmitApplicationHandler,
  SubmitApplicationHandler,
} from './applications/application.commands';
import { ApplyAsAuditBodyHandler } from './audit-bodies/apply-as-audit-body';
import {
  ConfirmRulingHandler,
  RecordRulingHandler,
  ScheduleMeetingHandler,
} from './committee/committee.commands';
import { RegisterProviderHandler } from './providers/register-provider';
import { ReactionRunner } from './reactions/reaction-runner';
import {
  ExpireRegistrationHandler,
  RemindRenewalDeadlineHandler,
  ReportIncidentHandler,
  WithdrawServiceHandler,
} from './services/service.commands';
import { RegisterWebhookEndpointHandler } from './webhooks/register-webhook-endpoint';
import { CompileReportHandler, RequestReportHandler } from './reports/report.commands';
import { SealKeyProvider, SealTrailHandler } from './integrity/seal-trail';

const commandHandlers = [
  RegisterProviderHandler,
  ApplyAsAuditBodyHandler,
  SubmitApplicationHandler,
  ApplicationActionHandler,
  ResubmitApplicationHandler,
  ReferApplicationHandler,
  ScheduleMeetingHandler,
  RecordRulingHandler,
  ConfirmRulingHandler,
  WithdrawServiceHandler,
  ReportIncidentHandler,
  ExpireRegistrationHandler,
  RemindRenewalDeadlineHandler,
  RegisterWebhookEndpointHandler,
  RequestReportHandler,
  CompileReportHandler,
  SealTrailHandler,
];

/** The command side shared by every app (api, worker, cli): one store, one Redis, one command bus. */
@Global()
@Module({})
export class ApplicationModule implements OnApplicationShutdown {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ApplicationModule,
      imports: [CqrsModule.forRoot()],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: EVENT_STORE, useFactory: () => createEventStore(config) },
        { provide: REDIS, useFactory: () => createRedis(config) },
        {
          provide: IdempotencyStore,
          useFactory: (store: EventStore) => new IdempotencyStore(store),
          inject: [EVENT_STORE],
        },
        ReactionRunner,
        SealKeyProvider,
        ...commandHandlers,
      ],
      exports: [
        APP_CONFIG,
        EVENT_STORE,
        REDIS,
        IdempotencyStore,
        ReactionRunner,
        SealKeyProvider,
        CqrsModule,
      ],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
    // QUIT lets queued replies arrive first; a Redis that is already gone is simply dropped.
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
