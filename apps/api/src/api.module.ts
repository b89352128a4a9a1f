import { Module } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import { HealthController } from './health/health.controller';
import { Clock, SystemClock } from './http/clock';
import { CommandMetadataFactory } from './http/command-metadata.factory';
import { IdempotencyInterceptor } from './http/idempotency.interceptor';
import { ProblemDetailsFilter } from './http/problem-details.filter';
import { ProvidersController } from './providers/providers.controller';

/** The HTTP edge. Expects ApplicationModule and AuthModule from the composition root (api or server main). */
@Module({
  controllers: [HealthController, ProvidersController],
  providers: [
    { provide: Clock, useClass: SystemClock },
    CommandMetadataFactory,
    { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
    { provide: APP_FILTER, useClass: ProblemDetailsFilter },
  ],
})
export class ApiModule {}
