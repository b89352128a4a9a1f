import { Controller, Get, Headers, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { Access } from '@ismap/auth';
import type { MeetingView, RulingDoc } from '@ismap/read-models';
import { getMeeting, isReversedRange, listDecisions } from '@ismap/read-models';
import { MeetingIdPipe } from '../http/path-ids';
import { problem, ProblemException } from '../http/problem';
import { IsBusinessDate } from '../http/validators';
import { AuditedRead } from '../access-log/audited.decorator';
import { ReadModels } from './read-models.service';

export class DecisionsQuery {
  @IsOptional() @IsBusinessDate() readonly from?: string;
  @IsOptional() @IsBusinessDate() readonly to?: string;
}

/** The committee's decision history and its meetings, for the review process (the secretariat replays it). */
@ApiTags('committee')
@ApiBearerAuth()
@Controller('committee')
export class CommitteeQueryController {
  constructor(private readonly readModels: ReadModels) {}

  @Get('decisions')
  @Access('secretariat', 'ipa-reviewer', 'committee-member')
  @AuditedRead('committee-decisions')
  async decisions(
    @Query() query: DecisionsQuery,
    @Headers('x-min-log-position') minPosition: string | undefined,
  ): Promise<{ count: number; decisions: RulingDoc[] }> {
    if (isReversedRange(query)) {
      throw new ProblemException(problem(400, 'REQUEST.INVALID_RANGE', '`from` is after `to`'));
    }
    await this.readModels.waitFor(minPosition, ['committee']);
    // The same selection `cli replay` prints, here from the live read model.
    return listDecisions(this.readModels.live('committee'), query);
  }

  @Get('meetings/:id')
  @Access('secretariat', 'ipa-reviewer', 'committee-member')
  @AuditedRead('committee-meetings')
  async meeting(
    @Param('id', MeetingIdPipe) meetingId: string,
    @Headers('x-min-log-position') minPosition: string | undefined,
  ): Promise<MeetingView> {
    await this.readModels.waitFor(minPosition, ['committee']);
    const meeting = await getMeeting(this.readModels.live('committee'), meetingId);
    if (meeting === undefined)
      throw new ProblemException(problem(404, 'MEETING.NOT_FOUND', 'No such meeting'));
    return meeting;
  }
}
