import type { INestApplication, ModuleMetadata } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import pino from 'pino';
import { ApplicationModule } from '@ismap/application';
import { AuthModule } from '@ismap/auth';
import type { AppConfig } from '@ismap/config';
import { ApiModule } from './api.module';
import { correlationIdFromHeaders, registerCorrelation } from './http/correlation';
import { PinoNestLogger } from './http/pino-logger';
import { registerTransportErrorCodes } from './http/problem-details.filter';
import { createValidationPipe } from './http/validation';

export const BODY_LIMIT_BYTES = 256 * 1024;

export function createLogger(config: AppConfig): pino.Logger {
  return pino({
    level: config.logLevel,
    base: { service: 'ismap-ledger' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['req.headers.authorization', 'headers.authorization', '*.token'],
      censor: '[redacted]',
    },
  });
}

/** The root module of a process: shared infrastructure, identity, and the given app modules. */
export function rootModule(config: AppConfig, imports: ModuleMetadata['imports'] = []): new () => object {
  @Module({
    imports: [
      ApplicationModule.forRoot(config),
      AuthModule.forRoot({
        mode: config.auth.mode,
        dataDir: config.dataDir,
        issuer: config.auth.issuer,
        audience: config.auth.audience,
        ...(config.auth.jwksUrl === undefined ? {} : { jwksUrl: config.auth.jwksUrl }),
      }),
      ApiModule,
      ...(imports ?? []),
    ],
  })
  class RootModule {}
  return RootModule;
}

/**
 * Builds the HTTP application (not yet listening): Fastify with a 256 KB body limit, JSON only, correlation ids
 * as request ids, validation, problem+json, OpenAPI at /docs.
 */
export async function createApiApplication(
  config: AppConfig,
  extraImports: ModuleMetadata['imports'] = [],
  logger: pino.Logger = createLogger(config),
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: correlationIdFromHeaders,
    requestIdHeader: false,
    return503OnClosing: true,
  });
  const app = await NestFactory.create<NestFastifyApplication>(rootModule(config, extraImports), adapter, {
    logger: new PinoNestLogger(logger),
    abortOnError: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  // JSON only: without a parser for them, other media types are answered 415 by Fastify.
  fastify.removeContentTypeParser(['text/plain']);
  registerCorrelation(fastify);
  registerTransportErrorCodes(fastify);
  app.useGlobalPipes(createValidationPipe());
  setUpOpenApi(app);
  await app.init();
  return app;
}

function setUpOpenApi(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('ismap-ledger')
      .setDescription(
        'Event-sourced record of the ISMAP programme: applications, audits, findings, committee rulings and the ' +
          'public cloud service lists. Errors are RFC 9457 problem+json with a stable `code`.',
      )
      .setVersion('0.1.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', raw: ['json'] });
}
