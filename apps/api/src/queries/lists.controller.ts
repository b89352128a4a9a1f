import { Controller, Get, Headers, Query, Res } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import type { FastifyReply } from 'fastify';
import { Public } from '@ismap/auth';
import { tokyoDateOf, type Track } from '@ismap/domain';
import type { Position } from '@ismap/event-store';
import type { PublicAuditBody, PublicListEntry, ReadView } from '@ismap/read-models';
import { auditBodyList, listCsv, publicListEntries } from '@ismap/read-models';
import { Clock } from '../http/clock';
import { IsBusinessDate } from '../http/validators';
import { ReadModels } from './read-models.service';

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
const CACHED_ANSWERS = 16;

/** The public lists (DOMAIN.md "Lists"): anyone may read them, with public fields only. */
@ApiTags('lists')
@Controller()
export class ListsController {
  /**
   * Today's lists, computed once per change of the read model: the public list is read far more often than it
   * changes, and every answer for the same read model version and date is the same.
   */
  private readonly answers = new Map<string, string>();

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
    @Query() query: ListQuery,
    @Headers('x-min-log-position') minPosition: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.list('ISMAP', query, minPosition, reply);
  }

  @Get('lists/ismap-liu')
  @Public()
  @ApiQuery({ name: 'asOf', required: false })
  @ApiQuery({ name: 'atPosition', required: false })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv'] })
  @ApiProduces('application/json', 'text/csv')
  ismapLiu(
    @Query() query: ListQuery,
    @Headers('x-min-log-position') minPosition: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.list('ISMAP_LIU', query, minPosition, reply);
  }

  @Get('audit-bodies')
  @Public()
  @ApiQuery({ name: 'asOf', required: false })
  async auditBodies(
    @Query() query: ListQuery,
    @Headers('x-min-log-position') minPosition: string | undefined,
  ): Promise<ListResponse<PublicAuditBody>> {
    const { view, date } = await this.viewFor(query, minPosition);
    const entries = await auditBodyList(view, date);
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
    query: ListQuery,
    minPosition: string | undefined,
    reply: FastifyReply,
  ): Promise<string> {
    const { view, date, live } = await this.viewFor(query, minPosition);
    const format = query.format ?? 'json';
    const render = async (): Promise<string> => {
      const entries = await publicListEntries(view, track, date);
      if (format === 'csv') return listCsv(entries);
      const body: ListResponse<PublicListEntry> = {
        list: track,
        asOf: date,
        atPosition: query.atPosition ?? null,
        count: entries.length,
        entries,
      };
      return JSON.stringify(body);
    };
    const text = live ? await this.cached(`${track}|${date}|${format}`, render) : await render();
    if (format === 'csv') {
      const name = `${track === 'ISMAP' ? 'ismap' : 'ismap-liu'}-list-${date}.csv`;
      void reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${name}"`);
    } else {
      void reply.header('content-type', 'application/json; charset=utf-8');
    }
    return text;
  }

  /** The rendered answer for the live read model's current version, computed at most once per version. */
  private async cached(key: string, render: () => Promise<string>): Promise<string> {
    const before = await this.readModels.stamp(REGISTRATIONS);
    const cached = this.answers.get(`${key}|${before}`);
    if (cached !== undefined) return cached;
    const text = await render();
    // Kept only when the read model did not move while it was read: a cached answer is exactly that version's.
    if ((await this.readModels.stamp(REGISTRATIONS)) === before) {
      if (this.answers.size >= CACHED_ANSWERS) this.answers.clear();
      this.answers.set(`${key}|${before}`, text);
    }
    return text;
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
    const point: { asOf?: string; atPosition?: Position } = {
      ...(query.asOf === undefined ? {} : { asOf: query.asOf }),
      ...(query.atPosition === undefined ? {} : { atPosition: query.atPosition }),
    };
    return { view: await this.readModels.replayed(REGISTRATIONS, point), date, live: false };
  }
}
