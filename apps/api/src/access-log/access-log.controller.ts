import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { Access } from '@ismap/auth';
import { problem, ProblemException } from '../http/problem';
import { IsIsoInstant } from '../http/validators';
import { AccessAuditService } from './access-audit.service';
import type { AccessOutcome, StoredAccessRecord } from './access-log.store';
import { AuditedRead } from './audited.decorator';

export const MAX_PAGE = 500;

export class AccessLogQueryDto {
  @ApiPropertyOptional({ description: 'Only records of this caller (`sub`)' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  readonly sub?: string;

  @ApiPropertyOptional({ example: '2026-11-01T00:00:00Z', description: 'From this instant (inclusive)' })
  @IsOptional()
  @IsIsoInstant()
  readonly from?: string;

  @ApiPropertyOptional({ example: '2026-11-30T23:59:59Z', description: 'Up to this instant (inclusive)' })
  @IsOptional()
  @IsIsoInstant()
  readonly to?: string;

  @ApiPropertyOptional({ enum: ['allowed', 'denied'] })
  @IsOptional()
  @IsIn(['allowed', 'denied'])
  readonly outcome?: AccessOutcome;

  @ApiPropertyOptional({ description: 'The `nextCursor` of the previous page' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,32}$/, { message: 'cursor must be a cursor this API handed out' })
  readonly cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE)
  readonly limit?: number;
}

export class AccessLogEntry {
  @ApiProperty({ example: '2026-11-22T01:02:03.456Z' }) readonly at!: string;
  @ApiProperty({
    description: 'sub, roles and org of the caller; sub null when no valid token named one',
    example: { sub: 'sato@provider-a', roles: ['csp'], org: 'P1234567890123', credential: 'bearer' },
  })
  readonly who!: { sub: string | null; roles: readonly string[]; org: string | null; credential: string };
  @ApiProperty({
    example: {
      method: 'GET',
      route: '/findings',
      path: '/findings?serviceId=…',
      resourceType: 'findings',
      resourceId: null,
    },
  })
  readonly what!: {
    method: string;
    route: string | null;
    path: string;
    resourceType: string | null;
    resourceId: string | null;
  };
  @ApiProperty({
    example: '203.0.113.7',
    description: 'Client address (X-Forwarded-For only from TRUST_PROXY)',
  })
  readonly from!: string;
  @ApiProperty() readonly correlationId!: string;
  @ApiProperty({ enum: ['allowed', 'denied'] }) readonly outcome!: AccessOutcome;
  @ApiProperty({ example: 403 }) readonly status!: number;
  @ApiPropertyOptional({ example: 'AUTH.FORBIDDEN' }) readonly code!: string | null;
}

export class AccessLogPage {
  @ApiProperty({ type: [AccessLogEntry] }) readonly items!: AccessLogEntry[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass as `cursor` for older records' })
  readonly nextCursor!: string | null;
}

const encodeCursor = (seq: number): string => Buffer.from(`s${seq}`).toString('base64url');

function decodeCursor(cursor: string): number {
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^s([1-9]\d{0,15})$/.exec(decoded);
  if (match?.[1] === undefined) {
    throw new ProblemException(
      problem(400, 'ACCESS_LOG.CURSOR_INVALID', 'cursor is not one this API handed out'),
    );
  }
  return Number(match[1]);
}

function entryOf(record: StoredAccessRecord): AccessLogEntry {
  return {
    at: record.at,
    who: { sub: record.sub, roles: record.roles, org: record.org, credential: record.credential },
    what: {
      method: record.method,
      route: record.route,
      path: record.path,
      resourceType: record.resourceType,
      resourceId: record.resourceId,
    },
    from: record.ip,
    correlationId: record.correlationId,
    outcome: record.outcome,
    status: record.status,
    code: record.code,
  };
}

/** The access audit, newest first; reading it is itself an audited read. */
@ApiTags('access-log')
@ApiBearerAuth()
@Controller('access-log')
export class AccessLogController {
  constructor(private readonly audit: AccessAuditService) {}

  @Get()
  @Access('secretariat')
  @AuditedRead('access-log')
  @ApiOkResponse({ type: AccessLogPage })
  list(@Query() query: AccessLogQueryDto): AccessLogPage {
    this.audit.flush();
    const limit = query.limit ?? 100;
    const records = this.audit.log.query({
      ...(query.sub === undefined ? {} : { sub: query.sub }),
      ...(query.from === undefined ? {} : { from: new Date(query.from).toISOString() }),
      ...(query.to === undefined ? {} : { to: new Date(query.to).toISOString() }),
      ...(query.outcome === undefined ? {} : { outcome: query.outcome }),
      ...(query.cursor === undefined ? {} : { beforeSeq: decodeCursor(query.cursor) }),
      limit: limit + 1,
    });
    const page = records.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map(entryOf),
      nextCursor: records.length > limit && last !== undefined ? encodeCursor(last.seq) : null,
    };
  }
}
