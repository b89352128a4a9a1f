import { Controller, Get, Headers, Param, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { Access, principalOf } from '@ismap/auth';
import { APPLICATION_KINDS, tokyoDateOf, TRACKS, type ApplicationKind, type Track } from '@ismap/domain';
import type { ApplicationDoc, ApplicationFilters, ApplicationStatusName } from '@ismap/read-models';
import { ageInDays, getApplication, listApplications } from '@ismap/read-models';
import { Clock } from '../http/clock';
import { ApplicationIdPipe } from '../http/path-ids';
import { problem, ProblemException } from '../http/problem';
import { ID_PATTERNS } from '../http/validators';
import { AuditedRead } from '../access-log/audited.decorator';
import { ReadModels } from './read-models.service';
import { audienceOf, type Audience } from './visibility';

const STATUSES = ['SUBMITTED', 'RETURNED', 'ACCEPTED', 'REFERRED', 'DECIDED', 'WITHDRAWN'] as const;

export class ApplicationsQuery {
  @IsOptional() @IsIn(STATUSES) readonly status?: ApplicationStatusName;
  @IsOptional() @IsIn(APPLICATION_KINDS) readonly kind?: ApplicationKind;
  @IsOptional() @IsIn(TRACKS) readonly track?: Track;
  @IsOptional() @Matches(ID_PATTERNS.uuid) readonly serviceId?: string;
  @IsOptional() @Matches(/^P\d{13}$/) readonly providerId?: string;
  @IsOptional() @Matches(ID_PATTERNS.auditBody) readonly auditBodyId?: string;
}

export type ApplicationView = ApplicationDoc & { readonly ageInDays: number };

/** Narrows any filter to what the audience may see: a provider its own, an audit body those that name it. */
export function applicationFiltersFor(audience: Audience, filters: ApplicationFilters): ApplicationFilters {
  switch (audience.kind) {
    case 'review':
      return filters;
    case 'provider':
      return { ...filters, providerId: audience.providerId };
    case 'auditBody':
      return { ...filters, auditBodyId: audience.auditBodyId };
  }
}

export function canSeeApplication(audience: Audience, doc: ApplicationDoc): boolean {
  switch (audience.kind) {
    case 'review':
      return true;
    case 'provider':
      return doc.providerId === audience.providerId;
    case 'auditBody':
      return doc.auditBodyId === audience.auditBodyId;
  }
}

/** The IPA's work queue and each party's view of its applications, with their age. */
@ApiTags('applications')
@ApiBearerAuth()
@Controller('applications')
export class ApplicationsQueryController {
  constructor(
    private readonly readModels: ReadModels,
    private readonly clock: Clock,
  ) {}

  @Get()
  @Access('secretariat', 'ipa-reviewer', 'committee-member', 'csp', 'audit-body')
  @AuditedRead('applications')
  async list(
    @Query() query: ApplicationsQuery,
    @Req() request: FastifyRequest,
    @Headers('x-min-log-position') minPosition: string | undefined,
  ): Promise<{ count: number; applications: ApplicationView[] }> {
    const audience = audienceOf(principalOf(request));
    await this.readModels.waitFor(minPosition, ['applications']);
    const today = tokyoDateOf(this.clock.now());
    const docs = await listApplications(
      this.readModels.live('applications'),
      applicationFiltersFor(audience, { ...query }),
    );
    const applications = docs.map((doc) => ({ ...doc, ageInDays: ageInDays(doc, today) }));
    return { count: applications.length, applications };
  }

  @Get(':id')
  @Access('secretariat', 'ipa-reviewer', 'committee-member', 'csp', 'audit-body')
  @AuditedRead('applications')
  async one(
    @Param('id', ApplicationIdPipe) applicationId: string,
    @Req() request: FastifyRequest,
    @Headers('x-min-log-position') minPosition: string | undefined,
  ): Promise<ApplicationView> {
    const audience = audienceOf(principalOf(request));
    await this.readModels.waitFor(minPosition, ['applications']);
    const doc = await getApplication(this.readModels.live('applications'), applicationId);
    if (doc === undefined || !canSeeApplication(audience, doc)) {
      throw new ProblemException(problem(404, 'APPLICATION.NOT_FOUND', 'No such application'));
    }
    return { ...doc, ageInDays: ageInDays(doc, tokyoDateOf(this.clock.now())) };
  }
}
