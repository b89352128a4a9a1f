import { Controller, Get, Headers, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { Access } from '@ismap/auth';
import type { TrailEntry, TrailPage } from '@ismap/read-models';
import { InvalidTrailQueryError, queryAuditTrail, SERVICES, type RegistrationDoc } from '@ismap/read-models';
import { ServiceIdPipe } from '../http/path-ids';
import { problem, ProblemException } from '../http/problem';
import { AuditedRead } from '../access-log/audited.decorator';
import { ReadModels } from './read-models.service';

const DATE_OR_INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

export class AuditTrailQuery {
  @IsOptional() @IsString() @MaxLength(200) readonly subject?: string;
  @IsOptional() @IsString() @MaxLength(200) readonly actor?: string;
  @IsOptional() @Matches(/^[A-Za-z][A-Za-z0-9]{0,99}$/) readonly type?: string;
  @IsOptional()
  @Matches(DATE_OR_INSTANT, { message: 'from must be YYYY-MM-DD or an ISO-8601 instant' })
  readonly from?: string;
  @IsOptional()
  @Matches(DATE_OR_INSTANT, { message: 'to must be YYYY-MM-DD or an ISO-8601 instant' })
  readonly to?: string;
  @IsOptional() @IsString() @MaxLength(200) readonly cursor?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) readonly limit?: number;
}

async function page(run: () => Promise<TrailPage>): Promise<TrailPage> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof InvalidTrailQueryError) {
      throw new ProblemException(
        problem(400, 'REQUEST.INVALID', 'The query is not valid', {
          errors: [{ field: error.field, messages: [error.message] }],
        }),
      );
    }
    throw error;
  }
}

/**
 * Every recorded event, enriched, for the review process; a service's own trail also for its provider (the route
 * policy hides other providers' services before the handler runs).
 */
@ApiTags('audit trail')
@ApiBearerAuth()
@Controller()
export class TrailQueryController {
  constructor(private readonly readModels: ReadModels) {}

  @Get('audit-trail')
  @Access('secretariat', 'ipa-reviewer', 'committee-member')
  @AuditedRead('audit-trail')
  async trail(
    @Query() query: AuditTrailQuery,
    @Headers('x-min-log-position') minPosition: string | undefined,
  ): Promise<TrailPage> {
    await this.readModels.waitFor(minPosition, ['audit-trail']);
    return page(() => queryAuditTrail(this.readModels.live('audit-trail'), { ...query }));
  }

  @Get('services/:id/history')
  @Access('secretariat', 'ipa-reviewer', 'committee-member', 'csp')
  @AuditedRead('service-history')
  async history(
    @Param('id', ServiceIdPipe) serviceId: string,
    @Query() query: AuditTrailQuery,
    @Headers('x-min-log-position') minPosition: string | undefined,
  ): Promise<TrailPage & { serviceId: string }> {
    await this.readModels.waitFor(minPosition, ['audit-trail', 'registrations']);
    const service = (await this.readModels.live('registrations').get(SERVICES, serviceId)) as
      RegistrationDoc | undefined;
    if (service === undefined) {
      throw new ProblemException(problem(404, 'SERVICE.NOT_FOUND', 'No such registered service'));
    }
    const result = await page(() =>
      queryAuditTrail(this.readModels.live('audit-trail'), { ...query, serviceId }),
    );
    return { serviceId, ...result };
  }
}

export type { TrailEntry };
