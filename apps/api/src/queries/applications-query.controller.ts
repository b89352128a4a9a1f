import { Controller, Get, Headers, Param, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { Access, authorizationOf } from '@ismap/auth';
import { APPLICATION_KINDS, tokyoDateOf, TRACKS, type ApplicationKind, type Track } from '@ismap/domain';
import type { ApplicationDoc, ApplicationStatusName } from '@ismap/read-models';
import { ageInDays, getApplication, listApplications } from '@ismap/read-models';
import { Clock } from '../http/clock';
import { ApplicationIdPipe } from '../http/path-ids';
import { problem, ProblemException } from '../http/problem';
import { ID_PATTERNS } from '../http/validators';
import { AuditedRead } from '../access-log/audited.decorator';
import { ReadModels } from './read-models.service';

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

/**
 * The IPA's work queue and each party's view of its applications, with their age. Who sees which application is
 * the route policy's (libs/auth ROUTE_POLICIES): the guard has refused hidden ones before these handlers run, and
 * `visible` keeps a list to what the caller may see.
 */
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
    await this.readModels.waitFor(minPosition, ['applications']);
    const today = tokyoDateOf(this.clock.now());
    const docs = await authorizationOf(request).visible(
      await listApplications(this.readModels.live('applications'), { ...query }),
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
    await this.readModels.waitFor(minPosition, ['applications']);
    const doc = await getApplication(this.readModels.live('applications'), applicationId);
    if (doc === undefined) {
      throw new ProblemException(problem(404, 'APPLICATION.NOT_FOUND', 'No such application'));
    }
    return { ...doc, ageInDays: ageInDays(doc, tokyoDateOf(this.clock.now())) };
  }
}
