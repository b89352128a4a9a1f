import { join } from 'node:path';
import type { OnApplicationShutdown, Type } from '@nestjs/common';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DiscoveryService, ModulesContainer, Reflector } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AccessRule, AuthenticatedPrincipal, Principal } from '@ismap/auth';
import { controllersOf, routeMetadataTable } from '@ismap/auth';
import { APP_CONFIG, type AppConfig } from '@ismap/config';
import type { AccessRecord, AccessCredential } from './access-log.store';
import { AccessLogStore } from './access-log.store';
import { AUDITED_METADATA } from './audited.decorator';

export const ACCESS_LOG_FILE = 'access-log.sqlite';

/** Records are written in batches this often, or sooner once this many are waiting. */
const FLUSH_INTERVAL_MS = 200;
const FLUSH_BATCH = 500;
/** Bounded so that a failing disk cannot exhaust memory; overflow is counted and logged as an error. */
const MAX_PENDING = 100_000;
const MAX_PATH_LENGTH = 1024;
/** Refusals are what the audit is for; 404 counts only on routes that need a token (object probing). */
const DENIED_ANYWHERE = new Set([401, 403, 429]);

interface RouteInfo {
  readonly protectedRoute: boolean;
  readonly audited: string | undefined;
}

/**
 * The access audit (issue 5 item 6, docs/adr/0007): every refused request and every successful call of an
 * `@Audited` route becomes one record. Observing is a push onto an in-memory queue; a timer writes batches, so
 * the request path never waits for the disk.
 */
@Injectable()
export class AccessAuditService implements OnApplicationShutdown {
  private readonly logger = new Logger('AccessAudit');
  private readonly store: AccessLogStore;
  private pending: AccessRecord[] = [];
  private dropped = 0;
  private routes: Map<string, RouteInfo> | undefined;
  private readonly timer: NodeJS.Timeout;
  private flushScheduled = false;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly modules: ModulesContainer,
    private readonly reflector: Reflector,
  ) {
    this.store = AccessLogStore.open(join(config.dataDir, ACCESS_LOG_FILE));
    this.timer = setInterval(() => this.flush(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  /** Installs the observer on every response, refusals from Fastify hooks (429, 415) included. */
  register(fastify: FastifyInstance): void {
    fastify.addHook('onResponse', async (request, reply) => {
      this.observe(request, reply);
    });
  }

  observe(request: FastifyRequest, reply: FastifyReply): void {
    const status = reply.statusCode;
    const route = request.routeOptions.url ?? null;
    const info = route === null ? undefined : this.routeInfo(request.method, route);
    let outcome: 'allowed' | 'denied' | undefined;
    if (DENIED_ANYWHERE.has(status) || (status === 404 && info?.protectedRoute === true)) outcome = 'denied';
    else if (status < 400 && info?.audited !== undefined) outcome = 'allowed';
    if (outcome === undefined) return;

    const principal = (request as FastifyRequest & { principal?: Principal }).principal;
    const verified = principal !== undefined && !principal.anonymous ? principal : undefined;
    // A token whose signature held names its holder even when the guard refused it (revoked, say): worth keeping.
    const known: AuthenticatedPrincipal | undefined = verified ?? request.identified;
    const credential: AccessCredential =
      request.headers.authorization === undefined
        ? 'none'
        : verified !== undefined || (request.identified !== undefined && status !== 401)
          ? 'bearer'
          : 'invalid';
    const params = Object.values((request.params ?? {}) as Record<string, unknown>).filter(
      (value): value is string => typeof value === 'string',
    );
    this.enqueue({
      at: new Date().toISOString(),
      sub: known?.sub ?? null,
      roles: known === undefined ? [] : [...known.roles],
      org: known?.org ?? null,
      credential,
      method: request.method,
      route,
      path: request.url.slice(0, MAX_PATH_LENGTH),
      resourceType: info?.audited ?? null,
      resourceId: params.length === 0 ? null : params.join('/').slice(0, MAX_PATH_LENGTH),
      ip: request.ip,
      correlationId: request.correlationId || request.id,
      outcome,
      status,
      code: request.problemCode ?? null,
    });
  }

  /** Writes whatever is waiting; readers of the log call it first so they see up to their own request. */
  flush(): void {
    this.flushScheduled = false;
    while (this.pending.length > 0) {
      const batch = this.pending.slice(0, FLUSH_BATCH);
      try {
        this.store.append(batch);
      } catch (error) {
        // Kept for the next tick: a busy or briefly failing disk must not lose refusals.
        this.logger.error({ err: error, waiting: this.pending.length }, 'access log write failed');
        return;
      }
      this.pending = this.pending.slice(batch.length);
    }
  }

  get log(): AccessLogStore {
    return this.store;
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
    this.flush();
    if (this.dropped > 0) this.logger.error({ dropped: this.dropped }, 'access records were dropped');
    this.store.close();
  }

  private enqueue(record: AccessRecord): void {
    if (this.pending.length >= MAX_PENDING) {
      this.pending.shift();
      this.dropped += 1;
      if (this.dropped === 1 || this.dropped % 1000 === 0) {
        this.logger.error({ dropped: this.dropped }, 'access log backlog full; oldest records dropped');
      }
    }
    this.pending.push(record);
    if (this.pending.length >= FLUSH_BATCH && !this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private routeInfo(method: string, route: string): RouteInfo | undefined {
    this.routes ??= this.scanRoutes();
    return this.routes.get(`${method} ${route}`);
  }

  /** Read once from the controllers' declarations, the same ones the guard enforces. */
  private scanRoutes(): Map<string, RouteInfo> {
    const controllers: Type[] = controllersOf(new DiscoveryService(this.modules));
    const routes = new Map<string, RouteInfo>();
    for (const route of routeMetadataTable<string>(controllers, AUDITED_METADATA, this.reflector)) {
      const access: AccessRule | undefined = route.access;
      for (const path of route.paths) {
        routes.set(`${route.method} ${path}`, {
          protectedRoute: access?.kind !== 'public',
          audited: route.value,
        });
      }
    }
    return routes;
  }
}
