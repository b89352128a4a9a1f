import type { INestApplication, ModuleMetadata } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { NestFactory, Reflector } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import pino from 'pino';
import type { Redis } from 'ioredis';
import { ApplicationModule, REDIS } from '@ismap/application';
import { AuthModule, RedisRevocationList, TokenVerifier } from '@ismap/auth';
import type { AppConfig } from '@ismap/config';
import { AccessAuditService } from './access-log/access-audit.service';
import { ApiModule } from './api.module';
import { CORRELATION_HEADER, correlationIdFromHeaders, registerCorrelation } from './http/correlation';
import { PinoNestLogger } from './http/pino-logger';
import { problem } from './http/problem';
import { registerTransportErrorCodes, sendProblem } from './http/problem-details.filter';
import { registerCors } from './http/security/cors';
import { registerRateLimit, RedisRateLimiter } from './http/security/rate-limit';
import { applySecurityHeaders, registerSecurityHeaders } from './http/security/security-headers';
import { createValidationPipe } from './http/validation';
import { QueryParametersGuard } from './http/query-parameters';
import { MinLogPositionGuard } from './http/min-log-position';

export const BODY_LIMIT_BYTES = 256 * 1024;

/**
 * JSON lines: every string value, whatever control characters a client put in it (CR/LF, ESC, NUL), is escaped
 * inside its JSON string, so no input can start a log line of its own (security.e2e.spec.ts proves it).
 */
export function createLogger(config: AppConfig, destination?: pino.DestinationStream): pino.Logger {
  const options: pino.LoggerOptions = {
    level: config.logLevel,
    base: { service: 'ismap-ledger' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['req.headers.authorization', 'headers.authorization', '*.token'],
      censor: '[redacted]',
    },
    serializers: {
      // Fastify's own, plus the user agent (forensics); Host and User-Agent are client-chosen text, which is
      // exactly why they go through pino's JSON escaping and nowhere else.
      req: (request: FastifyRequest) => ({
        method: request.method,
        url: request.url,
        host: request.host,
        remoteAddress: request.ip,
        userAgent: request.headers['user-agent'],
      }),
    },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}

/** The root module of a process: shared infrastructure, identity, and the given app modules. */
export function rootModule(config: AppConfig, imports: ModuleMetadata['imports'] = []): new () => object {
  @Module({
    imports: [
      ApplicationModule.forRoot(config),
      AuthModule.forRootAsync({
        inject: [REDIS],
        useFactory: (redis: Redis) => ({
          mode: config.auth.mode,
          dataDir: config.dataDir,
          issuer: config.auth.issuer,
          audience: config.auth.audience,
          ...(config.auth.jwksUrl === undefined ? {} : { jwksUrl: config.auth.jwksUrl }),
          revocations: new RedisRevocationList(redis, config.redisKeyPrefix),
        }),
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
 * as request ids, security headers, CORS by allow-list, rate limits, the access audit, validation, problem+json,
 * OpenAPI at /docs.
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
    frameworkErrors: frameworkErrorHandler(config),
    trustProxy:
      config.http.trustProxy === false
        ? false
        : typeof config.http.trustProxy === 'number'
          ? config.http.trustProxy
          : [...config.http.trustProxy],
  });
  const app = await NestFactory.create<NestFastifyApplication>(rootModule(config, extraImports), adapter, {
    logger: new PinoNestLogger(logger),
    abortOnError: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  // JSON only: without a parser for them, other media types are answered 415 by Fastify.
  fastify.removeContentTypeParser(['text/plain']);
  // Hook order is the order of registration: correlation id first (every answer carries it), then CORS
  // preflights, then the rate limit, all before a body is read.
  registerCorrelation(fastify);
  registerSecurityHeaders(fastify, { hstsMaxAgeSeconds: config.http.hstsMaxAgeSeconds });
  registerCors(fastify, config.http.corsOrigins);
  registerRateLimit(
    fastify,
    new RedisRateLimiter(app.get<Redis>(REDIS), config.redisKeyPrefix, config.http.rateLimit),
    app.get(TokenVerifier),
  );
  app.get(AccessAuditService).register(fastify);
  registerTransportErrorCodes(fastify);
  // After the access guard (an APP_GUARD, registered when the app was created): who may not call the route hears
  // 401/403 before any word about its query or its X-Min-Log-Position.
  app.useGlobalGuards(
    new QueryParametersGuard(app.get(Reflector)),
    new MinLogPositionGuard(app.get(Reflector)),
  );
  app.useGlobalPipes(createValidationPipe());
  setUpOpenApi(app);
  await app.init();
  return app;
}

/**
 * Fastify refuses some requests before any route or hook (an undecodable URL, a path parameter over 100
 * characters) and would answer them in its own JSON, without our headers; they get problem+json and the security
 * headers like everything else. A path too long to be an id names nothing: 404, as for any id that cannot exist.
 */
function frameworkErrorHandler(config: AppConfig) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    request.correlationId = request.id;
    void reply.header(CORRELATION_HEADER, request.id);
    applySecurityHeaders(request, reply, { hstsMaxAgeSeconds: config.http.hstsMaxAgeSeconds });
    const mapped =
      error.code === 'FST_ERR_BAD_URL'
        ? problem(400, 'REQUEST.BAD_URL', 'The URL is not valid')
        : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? problem(404, 'ROUTE.NOT_FOUND', 'No such resource')
          : problem(500, 'INTERNAL', 'An internal error occurred');
    sendProblem(request, reply, { problem: mapped });
  };
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
