import { Body, Controller, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApplicationCommandResult } from '@ismap/application';
import { ApplicationActionCommand, applicationOfFinding } from '@ismap/application';
import { Access } from '@ismap/auth';
import { CommandMetadataFactory } from '../http/command-metadata.factory';
import { commandResponse } from '../http/command-response';
import { CommandRoute } from '../http/command-route';
import { organisationOf } from '../http/organisation';
import { ApplicationIdPipe, FindingIdPipe } from '../http/path-ids';
import { actorOfRequest } from '../http/principal';
import {
  FindingCommandResponse,
  RaiseReviewFindingDto,
  RecordAuditFindingDto,
  RespondToFindingDto,
  ResolveFindingDto,
} from './findings.dto';

const APPLICATION_ID = { name: 'applicationId', description: 'The application (a UUID)' } as const;
const FINDING_ID = {
  name: 'findingId',
  description: 'The finding: `<applicationId>.F<n>`',
  example: '5d1c0c43-2f0e-5b57-8a53-0e1f6b7f3a91.F1',
} as const;

/**
 * Findings live in their application's stream (their id names it), so every finding route is a command on that
 * application and its ETag is the application's revision.
 */
@ApiTags('findings')
@ApiBearerAuth()
@Controller()
export class FindingsController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly metadata: CommandMetadataFactory,
  ) {}

  /**
   * Only the audit body named in the application may record; the route policy tells any other that the
   * application does not exist.
   */
  @Post('applications/:applicationId/audit-findings')
  @Access('audit-body')
  @ApiParam(APPLICATION_ID)
  @CommandRoute({ status: 201, response: FindingCommandResponse, ifMatch: true })
  async recordAuditFinding(
    @Param('applicationId', ApplicationIdPipe) applicationId: string,
    @Body() body: RecordAuditFindingDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<FindingCommandResponse> {
    const actor = actorOfRequest(request);
    const metadata = this.metadata.fromRequest(request, actor, {
      occurredOn: body.occurredOn,
      acceptsIfMatch: true,
    });
    const result = await this.execute(
      new ApplicationActionCommand(
        applicationId,
        {
          type: 'RecordAuditFinding',
          data: {
            auditBodyId: organisationOf(actor),
            controlId: body.controlId,
            assessment: body.assessment,
            kind: body.kind,
            description: body.description,
            evidenceRefs: [...(body.evidenceRefs ?? [])],
            recordedOn: metadata.occurredOn,
          },
        },
        metadata,
      ),
    );
    return commandResponse(reply, result, {
      findingId: recordedFindingId(result),
      applicationId: result.applicationId,
    });
  }

  @Post('applications/:applicationId/review-findings')
  @Access('ipa-reviewer')
  @ApiParam(APPLICATION_ID)
  @CommandRoute({ status: 201, response: FindingCommandResponse, ifMatch: true })
  async raiseReviewFinding(
    @Param('applicationId', ApplicationIdPipe) applicationId: string,
    @Body() body: RaiseReviewFindingDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<FindingCommandResponse> {
    const metadata = this.metadata.fromRequest(request, actorOfRequest(request), {
      occurredOn: body.occurredOn,
      acceptsIfMatch: true,
    });
    const result = await this.execute(
      new ApplicationActionCommand(
        applicationId,
        {
          type: 'RaiseReviewFinding',
          data: {
            controlId: body.controlId ?? null,
            description: body.description,
            raisedOn: metadata.occurredOn,
          },
        },
        metadata,
      ),
    );
    return commandResponse(reply, result, {
      findingId: recordedFindingId(result),
      applicationId: result.applicationId,
    });
  }

  @Post('findings/:findingId/responses')
  @Access('csp')
  @ApiParam(FINDING_ID)
  @CommandRoute({ status: 200, response: FindingCommandResponse, ifMatch: true })
  async respond(
    @Param('findingId', FindingIdPipe) findingId: string,
    @Body() body: RespondToFindingDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<FindingCommandResponse> {
    const actor = actorOfRequest(request);
    const metadata = this.metadata.fromRequest(request, actor, {
      occurredOn: body.occurredOn,
      acceptsIfMatch: true,
    });
    const result = await this.execute(
      new ApplicationActionCommand(
        applicationOfFinding(findingId),
        {
          type: 'RespondToFinding',
          data: {
            findingId,
            providerId: organisationOf(actor),
            correctiveAction: body.correctiveAction,
            respondedOn: metadata.occurredOn,
          },
        },
        metadata,
      ),
    );
    return commandResponse(reply, result, { findingId, applicationId: result.applicationId });
  }

  @Post('findings/:findingId/resolve')
  @Access('ipa-reviewer')
  @ApiParam(FINDING_ID)
  @CommandRoute({ status: 200, response: FindingCommandResponse, ifMatch: true })
  async resolve(
    @Param('findingId', FindingIdPipe) findingId: string,
    @Body() body: ResolveFindingDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<FindingCommandResponse> {
    const metadata = this.metadata.fromRequest(request, actorOfRequest(request), {
      occurredOn: body.occurredOn,
      acceptsIfMatch: true,
    });
    const result = await this.execute(
      new ApplicationActionCommand(
        applicationOfFinding(findingId),
        {
          type: 'ResolveFinding',
          data: {
            findingId,
            resolution: body.resolution,
            note: body.note,
            resolvedOn: metadata.occurredOn,
          },
        },
        metadata,
      ),
    );
    return commandResponse(reply, result, { findingId, applicationId: result.applicationId });
  }

  private execute(command: ApplicationActionCommand): Promise<ApplicationCommandResult> {
    return this.commandBus.execute<ApplicationActionCommand, ApplicationCommandResult>(command);
  }
}

/** The finding's id is numbered by the decider, so it is read from the event that recorded it. */
function recordedFindingId(result: ApplicationCommandResult): string {
  const [recorded] = result.events;
  if (recorded?.type === 'AuditFindingRecorded' || recorded?.type === 'ReviewFindingRaised') {
    return recorded.data.findingId;
  }
  throw new Error(`Expected a recorded finding, got ${recorded?.type ?? 'no event'}`);
}
