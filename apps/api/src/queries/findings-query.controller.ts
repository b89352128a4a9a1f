import { Controller, Get, Headers, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { Access, principalOf } from '@ismap/auth';
import { FINDING_KINDS, type FindingKind } from '@ismap/domain';
import type { FindingDoc, FindingFilters, FindingStatusName, ReadView } from '@ismap/read-models';
import { listApplications, listFindings } from '@ismap/read-models';
import { ID_PATTERNS } from '../http/validators';
import { AuditedRead } from '../access-log/audited.decorator';
import { ReadModels } from './read-models.service';
import { audienceOf, type Audience } from './visibility';

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

/** Applications still in progress: an audit body named in one may read the service's prior findings. */
const OPEN_STATUSES = new Set(['SUBMITTED', 'RETURNED', 'ACCEPTED', 'REFERRED']);

/**
 * Findings across every audit cycle. The review process sees all; a provider those of its own services; an audit
 * body its own findings and the prior findings of services it is currently named to audit.
 */
export async function visibleFindings(
  audience: Audience,
  filters: FindingFilters,
  findingsView: ReadView,
  applicationsView: ReadView,
): Promise<FindingDoc[]> {
  switch (audience.kind) {
    case 'review':
      return listFindings(findingsView, filters);
    case 'provider':
      return listFindings(findingsView, { ...filters, providerId: audience.providerId });
    case 'auditBody': {
      const named = await listApplications(applicationsView, { auditBodyId: audience.auditBodyId });
      const auditing = new Set(named.filter((a) => OPEN_STATUSES.has(a.status)).map((a) => a.serviceId));
      const found = await listFindings(findingsView, filters);
      return found.filter((f) => f.auditBodyId === audience.auditBodyId || auditing.has(f.serviceId));
    }
  }
}

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
    const audience = audienceOf(principalOf(request));
    await this.readModels.waitFor(minPosition, ['findings', 'applications']);
    const findings = await visibleFindings(
      audience,
      { ...query },
      this.readModels.live('findings'),
      this.readModels.live('applications'),
    );
    return { count: findings.length, findings };
  }
}
