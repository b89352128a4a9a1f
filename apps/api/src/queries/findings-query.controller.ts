import { Controller, Get, Headers, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { Access, authorizationOf } from '@ismap/auth';
import { FINDING_KINDS, type FindingKind } from '@ismap/domain';
import type { FindingDoc, FindingStatusName } from '@ismap/read-models';
import { listFindings } from '@ismap/read-models';
import { ID_PATTERNS } from '../http/validators';
import { AuditedRead } from '../access-log/audited.decorator';
import { ReadModels } from './read-models.service';

export class FindingsQuery {
  @IsOptional() @Matches(ID_PATTERNS.uuid) readonly serviceId?: string;
  /** Exact or a prefix by dotted segments: `9.2` finds `9.2.3.11.PB`. */
  @IsOptional()
  @Matches(/^\d{1,2}(\.\d{1,3}){0,3}(\.(P|B|PB))?$/, {
    message: 'controlId must be a control id or its prefix',
  })
  readonly controlId?: string;
  @IsOptional() @Matches(ID_PATTERNS.auditBody) readonly auditBodyId?: string;
  @IsOptional() @IsIn(['OPEN', 'RESPONDED', 'RESOLVED', 'RISK_ACCEPTED']) readonly status?: FindingStatusName;
  @IsOptional() @IsIn(FINDING_KINDS) readonly kind?: FindingKind;
  @IsOptional() @Matches(ID_PATTERNS.uuid) readonly applicationId?: string;
}

/**
 * Findings across every audit cycle. Which ones a caller sees (the review process all; a provider those of its
 * own services; an audit body its own and the prior findings of services it audits now) is the route policy's.
 */
@ApiTags('findings')
@ApiBearerAuth()
@Controller('findings')
export class FindingsQueryController {
  constructor(private readonly readModels: ReadModels) {}

  @Get()
  @Access('secretariat', 'ipa-reviewer', 'committee-member', 'csp', 'audit-body')
  @AuditedRead('findings')
  async list(
    @Query() query: FindingsQuery,
    @Req() request: FastifyRequest,
    @Headers('x-min-log-position') minPosition: string | undefined,
  ): Promise<{ count: number; findings: FindingDoc[] }> {
    await this.readModels.waitFor(minPosition, ['findings', 'applications']);
    const findings = await authorizationOf(request).visible(
      await listFindings(this.readModels.live('findings'), { ...query }),
    );
    return { count: findings.length, findings };
  }
}
