import { Controller, Get, Headers, Query, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '@ismap/auth';
import { tokyoDateOf, type Track } from '@ismap/domain';
import type { Position } from '@ismap/event-store';
import type { PublicAuditBody, PublicListEntry, ReadView } from '@ismap/read-models';
import { auditBodyCsv, auditBodyList, listCsv, publicListEntries } from '@ismap/read-models';
import { Clock } from '../http/clock';
import { createValidationPipe } from '../http/validation';
import { IsBusinessDate } from '../http/validators';
import { ReadModels } from './read-models.service';
import { notModified, Representation } from './representation';

export class ListQuery {
  /** The list as decided on this business date: rulings on or before it, validity judged on it. */
  @IsOptional()
  @IsBusinessDate()
  readonly asOf?: string;

  /** The list as the system had recorded it at this log position. */
  @IsOptional()
  @Matches(/^(0|[1-9]\d{0,19})$/, { message: 'atPosition must be a log position' })
  readonly atPosition?: string;

  @IsOptional()
  @IsIn(['json', 'csv'])
  readonly format?: 'json' | 'csv';
}

export interface ListResponse<T> {
  readonly list: string;
  readonly asOf: string;
  readonly atPosition: string | null;
  readonly count: number;
  readonly entries: readonly T[];
}

const REGISTRATIONS = 'registrations';
const JSON_TYPE = 'application/json; charset=utf-8';
const CSV = 'text/csv; charset=utf-8';
const CACHED_ANSWERS = 16;

const VALIDATION = createValidationPipe();
const NO_QUERY = new ListQuery();

/**
 * The list routes validate their query here rather than through the global pipe, so that the plain list, by far
 * the most frequent request, skips class-validator altogether: an empty query has nothing to check. Any other query
 * goes through the very pipe every route uses (same errors, same whitelist).
 */
async function listQuery(raw: Record<string, unknown>): Promise<ListQuery> {
  if (Object.keys(raw).length === 0) return NO_QUERY;
  return (await VALIDATION.transform(raw, { type: 'query', metatype: ListQuery })) as ListQuery;
}

/** The public lists (DOMAIN.md "Lists"): anyone may read them, with public fields only. */
@ApiTags('lists')
@Controller()
export class ListsController {
  /**
   * Today's lists, computed once per change of the read model: the public list is read far more often than it
   * changes, and every answer for the same read model version and date is the same.
   */
  private readonly answers = new Map<string, Promise<Representation>>();

  constructor(
    private readonly readModels: ReadModels,
    private readonly clock: Clock,
  ) {}

  @Get('lists/ismap')
  @Public()
  @ApiQuery({ name: 'asOf', required: false, description: 'YYYY-MM-DD: the list as decided on that date' })
  @ApiQuery({ name: 'atPosition', required: false, description: 'the list as recorded at that log position' })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv'] })
  @ApiHeader({ name: 'X-Min-Log-Position', required: false })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ description: 'entries sorted by registration number' })
  ismap(
    @Query() query: Record<string, unknown>,
    @Headers('x-min-log-position') minPosition: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer | undefined> {
    return this.list('ISMAP', query, minPosition, request, reply);
  }

  @Get('lists/ismap-liu')
  @Public()
  @ApiQuery({ name: 'asOf', required: false })
  @ApiQuery({ name: 'atPosition', required: false })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv'] })
  @ApiProduces('application/json', 'text/csv')
  ismapLiu(
    @Query() query: Record<string, unknown>,
    @Headers('x-min-log-position') minPosition: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer | undefined> {
    return this.list('ISMAP_LIU', query, minPosition, request, reply);
  }

  @Get('audit-bodies')
  @Public()
  @ApiQuery({ name: 'asOf', required: false })
  @ApiQuery({ name: 'atPosition', required: false })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv'] })
  @ApiHeader({ name: 'X-Min-Log-Position', required: false })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ description: 'registered audit bodies sorted by registration number' })
  async auditBodies(
    @Query() query: ListQuery,
    @Headers('x-min-log-position') minPosition: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ListResponse<PublicAuditBody> | Buffer | undefined> {
    const { view, date } = await this.viewFor(query, minPosition);
    const entries = await auditBodyList(view, date);
    if (query.format === 'csv') {
      void reply.header('content-disposition', `attachment; filename="audit-bodies-${date}.csv"`);
      return this.send(new Representation(Buffer.from(auditBodyCsv(entries)), CSV), request, reply);
    }
    return {
      list: 'audit-bodies',
      asOf: date,
      atPosition: query.atPosition ?? null,
      count: entries.length,
      entries,
    };
  }

  private async list(
    track: Track,
    rawQuery: Record<string, unknown>,
    minPosition: string | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<Buffer | undefined> {
    const query = await listQuery(rawQuery);
    const { view, date, live } = await this.viewFor(query, minPosition);
    const format = query.format ?? 'json';
    const render = async (): Promise<Representation> => {
      const entries = await publicListEntries(view, track, date);
      if (format === 'csv') return new Representation(Buffer.from(listCsv(entries)), CSV);
      const body: ListResponse<PublicListEntry> = {
        list: track,
        asOf: date,
        atPosition: query.atPosition ?? null,
        count: entries.length,
        entries,
      };
      return new Representation(Buffer.from(JSON.stringify(body)), JSON_TYPE);
    };
    const answer = live
      ? await this.cached(`${track}|${date}|${format}`, render, minPosition !== undefined)
      : await render();
    if (format === 'csv') {
      const name = `${track === 'ISMAP' ? 'ismap' : 'ismap-liu'}-list-${date}.csv`;
      void reply.header('content-disposition', `attachment; filename="${name}"`);
    }
    return this.send(answer, request, reply);
  }

  /**
   * The bytes as they are kept, compressed as the client accepts, or 304 when its If-None-Match already names them:
   * nothing is serialised or compressed per request.
   */
  private async send(
    answer: Representation,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<Buffer | undefined> {
    const coding = answer.codingFor(request.headers['accept-encoding']);
    const etag = answer.etagOf(coding);
    void reply.header('vary', 'accept-encoding').header('etag', etag);
    if (notModified(request.headers['if-none-match'], etag)) {
      void reply.status(304);
      return undefined;
    }
    const body = await answer.bodyOf(coding);
    void reply.header('content-type', answer.contentType);
    if (coding !== 'identity') void reply.header('content-encoding', coding);
    return body;
  }

  /**
   * The answer for the live read model's current version, rendered at most once per version: concurrent requests
   * for a version not yet rendered wait for the same rendering. `fresh`: the caller waited for a log position, so
   * the version is looked up anew rather than shared with a lookup already under way.
   */
  private async cached(
    key: string,
    render: () => Promise<Representation>,
    fresh: boolean,
  ): Promise<Representation> {
    const before = await this.readModels.stamp(REGISTRATIONS, { fresh });
    const cacheKey = `${key}|${before}`;
    const cached = this.answers.get(cacheKey);
    if (cached !== undefined) return cached;
    const rendering = render();
    if (this.answers.size >= CACHED_ANSWERS) this.answers.clear();
    this.answers.set(cacheKey, rendering);
    try {
      const answer = await rendering;
      // Kept only when the read model did not move while it was read: a cached answer is exactly that version's.
      if ((await this.readModels.stamp(REGISTRATIONS, { fresh: true })) !== before) {
        this.forget(cacheKey, rendering);
      }
      return answer;
    } catch (error) {
      this.forget(cacheKey, rendering);
      throw error;
    }
  }

  private forget(cacheKey: string, rendering: Promise<Representation>): void {
    if (this.answers.get(cacheKey) === rendering) this.answers.delete(cacheKey);
  }

  /** Live read model for today; a replay of the log for another date or position. */
  private async viewFor(
    query: ListQuery,
    minPosition: string | undefined,
  ): Promise<{ view: ReadView; date: string; live: boolean }> {
    const today = tokyoDateOf(this.clock.now());
    const date = query.asOf ?? today;
    if (query.asOf === undefined && query.atPosition === undefined) {
      await this.readModels.waitFor(minPosition, [REGISTRATIONS]);
      return { view: this.readModels.live(REGISTRATIONS), date, live: true };
    }
    // No wait for X-Min-Log-Position here (the guard has refused a malformed one): a replay reads the log itself,
    // so it holds every event recorded before the request, whatever the projections have applied.
    const point: { asOf?: string; atPosition?: Position } = {
      ...(query.asOf === undefined ? {} : { asOf: query.asOf }),
      ...(query.atPosition === undefined ? {} : { atPosition: query.atPosition }),
    };
    return { view: await this.readModels.replayed(REGISTRATIONS, point), date, live: false };
  }
}
