import { Body, Controller, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CommandResult, ConfirmRulingResult, RecordRulingResult } from '@ismap/application';
import { ConfirmRulingCommand, RecordRulingCommand, ScheduleMeetingCommand } from '@ismap/application';
import { Access } from '@ismap/auth';
import type { MeetingEvent } from '@ismap/domain';
import { requiresConfirmation } from '@ismap/domain';
import { CommandMetadataFactory } from '../http/command-metadata.factory';
import { commandResponse } from '../http/command-response';
import { CommandRoute } from '../http/command-route';
import { OccurredOnDto } from '../http/occurred-on.dto';
import { MeetingIdPipe, PathIdPipe } from '../http/path-ids';
import { ID_PATTERNS } from '../http/validators';
import { actorOfRequest } from '../http/principal';
import {
  ConfirmRulingResponse,
  MeetingCommandResponse,
  RecordRulingDto,
  RulingCommandResponse,
  rulingSubjectOf,
  ScheduleMeetingDto,
} from './committee.dto';

const RulingIdPipe = new PathIdPipe(ID_PATTERNS.uuid, 'RULING.NOT_FOUND', 'ruling');

@ApiTags('committee')
@ApiBearerAuth()
@Controller('committee/meetings')
export class CommitteeController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly metadata: CommandMetadataFactory,
  ) {}

  @Post()
  @Access('secretariat')
  @CommandRoute({ status: 201, response: MeetingCommandResponse })
  async schedule(
    @Body() body: ScheduleMeetingDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MeetingCommandResponse> {
    const result = await this.commandBus.execute<
      ScheduleMeetingCommand,
      CommandResult<MeetingEvent> & { meetingId: string }
    >(
      new ScheduleMeetingCommand(
        body.number,
        body.heldOn,
        this.metadata.fromRequest(request, actorOfRequest(request), { occurredOn: body.heldOn }),
      ),
    );
    return commandResponse(reply, result, { meetingId: result.meetingId });
  }

  /** A ruling's business date is always the meeting's date, so the body carries none. */
  @Post(':meetingId/rulings')
  @Access('secretariat')
  @ApiParam({ name: 'meetingId', description: 'The meeting: `M<number>`', example: 'M12' })
  @CommandRoute({ status: 201, response: RulingCommandResponse, ifMatch: true })
  async recordRuling(
    @Param('meetingId', MeetingIdPipe) meetingId: string,
    @Body() body: RecordRulingDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RulingCommandResponse> {
    const result = await this.commandBus.execute<RecordRulingCommand, RecordRulingResult>(
      new RecordRulingCommand(
        meetingId,
        rulingSubjectOf(body.subject),
        body.decision,
        body.rationale,
        this.metadata.fromRequest(request, actorOfRequest(request), { acceptsIfMatch: true }),
      ),
    );
    return commandResponse(reply, result, {
      rulingId: result.rulingId,
      meetingId,
      status: requiresConfirmation(body.decision)
        ? ('PENDING_CONFIRMATION' as const)
        : ('EFFECTIVE' as const),
      ...(result.registrationNumber === null ? {} : { registrationNumber: result.registrationNumber }),
    });
  }

  /**
   * Four eyes: a REVOKE or AUDIT_BODY_DELIST takes effect only when a secretariat user other than the one who
   * recorded it confirms it. The body may date the confirmation when history is entered late.
   */
  @Post(':meetingId/rulings/:rulingId/confirm')
  @Access('secretariat')
  @ApiParam({ name: 'meetingId', description: 'The meeting: `M<number>`', example: 'M12' })
  @ApiParam({ name: 'rulingId', description: 'The ruling awaiting confirmation (a UUID)' })
  @CommandRoute({ status: 200, response: ConfirmRulingResponse, ifMatch: true })
  async confirmRuling(
    @Param('meetingId', MeetingIdPipe) meetingId: string,
    @Param('rulingId', RulingIdPipe) rulingId: string,
    @Body() body: OccurredOnDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ConfirmRulingResponse> {
    const result = await this.commandBus.execute<ConfirmRulingCommand, ConfirmRulingResult>(
      new ConfirmRulingCommand(
        meetingId,
        rulingId,
        this.metadata.fromRequest(request, actorOfRequest(request), {
          acceptsIfMatch: true,
          ...(body.occurredOn === undefined ? {} : { occurredOn: body.occurredOn }),
        }),
      ),
    );
    return commandResponse(reply, result, {
      rulingId: result.rulingId,
      meetingId,
      status: 'EFFECTIVE' as const,
    });
  }
}
