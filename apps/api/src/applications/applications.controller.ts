import { Body, Controller, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApplicationCommandResult } from '@ismap/application';
import {
  ApplicationActionCommand,
  ReferApplicationCommand,
  ResubmitApplicationCommand,
  SubmitApplicationCommand,
} from '@ismap/application';
import { Access } from '@ismap/auth';
import type { ApplicationDetails } from '@ismap/domain';
import { CommandMetadataFactory } from '../http/command-metadata.factory';
import { commandResponse } from '../http/command-response';
import { CommandRoute } from '../http/command-route';
import { organisationOf } from '../http/organisation';
import { ApplicationIdPipe } from '../http/path-ids';
import { actorOfRequest } from '../http/principal';
import {
  AcceptApplicationDto,
  ReferApplicationDto,
  ReturnApplicationDto,
  WithdrawApplicationDto,
} from './application-actions.dto';
import { excludedObjectivesOf, periodOf, scopeOf } from './application-details.dto';
import { ResubmitApplicationDto } from './resubmit-application.dto';
import {
  ApplicationCommandResponse,
  SubmitApplicationDto,
  SubmitApplicationResponse,
} from './submit-application.dto';

const APPLICATION_ID = { name: 'applicationId', description: 'The application (a UUID)' } as const;

/**
 * An application's way from submission to referral. A `csp` acts for the provider its token names (`org`). Who may
 * act on which application is the route policy's (libs/auth ROUTE_POLICIES), applied before these handlers run;
 * the domain keeps its own invariant that only the owner resubmits or withdraws.
 */
@ApiTags('applications')
@ApiBearerAuth()
@Controller('applications')
export class ApplicationsController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly metadata: CommandMetadataFactory,
  ) {}

  @Post()
  @Access('csp')
  @CommandRoute({ status: 201, response: SubmitApplicationResponse })
  async submit(
    @Body() body: SubmitApplicationDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SubmitApplicationResponse> {
    const actor = actorOfRequest(request);
    const result = await this.commandBus.execute<
      SubmitApplicationCommand,
      ApplicationCommandResult & { serviceId: string }
    >(
      new SubmitApplicationCommand(
        organisationOf(actor),
        {
          kind: body.kind,
          track: body.track,
          ...(body.serviceId === undefined ? {} : { serviceId: body.serviceId }),
          serviceName: body.serviceName,
          serviceModel: body.serviceModel,
          scope: scopeOf(body.scope),
          auditBodyId: body.auditBodyId,
          auditPeriod: periodOf(body.auditPeriod),
          auditReportDate: body.auditReportDate,
          excludedObjectives: excludedObjectivesOf(body.excludedObjectives),
          submittedOn: body.submittedOn,
        },
        this.metadata.fromRequest(request, actor, { occurredOn: body.submittedOn }),
      ),
    );
    return commandResponse(reply, result, {
      applicationId: result.applicationId,
      serviceId: result.serviceId,
    });
  }

  @Post(':applicationId/accept')
  @Access('ipa-reviewer')
  @ApiParam(APPLICATION_ID)
  @CommandRoute({ status: 200, response: ApplicationCommandResponse, ifMatch: true })
  accept(
    @Param('applicationId', ApplicationIdPipe) applicationId: string,
    @Body() body: AcceptApplicationDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ApplicationCommandResponse> {
    const metadata = this.metadata.fromRequest(request, actorOfRequest(request), {
      occurredOn: body.acceptedOn,
      acceptsIfMatch: true,
    });
    return this.act(
      reply,
      new ApplicationActionCommand(
        applicationId,
        { type: 'AcceptApplication', data: { acceptedOn: body.acceptedOn } },
        metadata,
      ),
    );
  }

  @Post(':applicationId/return')
  @Access('ipa-reviewer')
  @ApiParam(APPLICATION_ID)
  @CommandRoute({ status: 200, response: ApplicationCommandResponse, ifMatch: true })
  returnForCorrection(
    @Param('applicationId', ApplicationIdPipe) applicationId: string,
    @Body() body: ReturnApplicationDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ApplicationCommandResponse> {
    const metadata = this.metadata.fromRequest(request, actorOfRequest(request), {
      occurredOn: body.occurredOn,
      acceptsIfMatch: true,
    });
    return this.act(
      reply,
      new ApplicationActionCommand(
        applicationId,
        { type: 'ReturnApplication', data: { reason: body.reason, returnedOn: metadata.occurredOn } },
        metadata,
      ),
    );
  }

  @Post(':applicationId/resubmit')
  @Access('csp')
  @ApiParam(APPLICATION_ID)
  @CommandRoute({ status: 200, response: ApplicationCommandResponse, ifMatch: true })
  async resubmit(
    @Param('applicationId', ApplicationIdPipe) applicationId: string,
    @Body() body: ResubmitApplicationDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ApplicationCommandResponse> {
    const actor = actorOfRequest(request);
    const metadata = this.metadata.fromRequest(request, actor, {
      occurredOn: body.occurredOn,
      acceptsIfMatch: true,
    });
    const result = await this.commandBus.execute<ResubmitApplicationCommand, ApplicationCommandResult>(
      new ResubmitApplicationCommand(
        applicationId,
        organisationOf(actor),
        changesOf(body),
        metadata.occurredOn,
        metadata,
      ),
    );
    return commandResponse(reply, result, { applicationId: result.applicationId });
  }

  @Post(':applicationId/refer')
  @Access('ipa-reviewer')
  @ApiParam(APPLICATION_ID)
  @CommandRoute({ status: 200, response: ApplicationCommandResponse, ifMatch: true })
  async refer(
    @Param('applicationId', ApplicationIdPipe) applicationId: string,
    @Body() body: ReferApplicationDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ApplicationCommandResponse> {
    const metadata = this.metadata.fromRequest(request, actorOfRequest(request), {
      occurredOn: body.occurredOn,
      acceptsIfMatch: true,
    });
    const result = await this.commandBus.execute<ReferApplicationCommand, ApplicationCommandResult>(
      new ReferApplicationCommand(applicationId, body.meetingId, metadata.occurredOn, metadata),
    );
    return commandResponse(reply, result, { applicationId: result.applicationId });
  }

  @Post(':applicationId/withdraw')
  @Access('csp')
  @ApiParam(APPLICATION_ID)
  @CommandRoute({ status: 200, response: ApplicationCommandResponse, ifMatch: true })
  withdraw(
    @Param('applicationId', ApplicationIdPipe) applicationId: string,
    @Body() body: WithdrawApplicationDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ApplicationCommandResponse> {
    const actor = actorOfRequest(request);
    const metadata = this.metadata.fromRequest(request, actor, {
      occurredOn: body.occurredOn,
      acceptsIfMatch: true,
    });
    return this.act(
      reply,
      new ApplicationActionCommand(
        applicationId,
        {
          type: 'WithdrawApplication',
          data: { providerId: organisationOf(actor), reason: body.reason, withdrawnOn: metadata.occurredOn },
        },
        metadata,
      ),
    );
  }

  private async act(
    reply: FastifyReply,
    command: ApplicationActionCommand,
  ): Promise<ApplicationCommandResponse> {
    const result = await this.commandBus.execute<ApplicationActionCommand, ApplicationCommandResult>(command);
    return commandResponse(reply, result, { applicationId: result.applicationId });
  }
}

/** Only what the body names changes; an absent field keeps the submitted value. */
function changesOf(body: ResubmitApplicationDto): Partial<ApplicationDetails> {
  return {
    ...(body.serviceName === undefined ? {} : { serviceName: body.serviceName }),
    ...(body.serviceModel === undefined ? {} : { serviceModel: body.serviceModel }),
    ...(body.scope === undefined ? {} : { scope: scopeOf(body.scope) }),
    ...(body.auditBodyId === undefined ? {} : { auditBodyId: body.auditBodyId }),
    ...(body.auditPeriod === undefined ? {} : { auditPeriod: periodOf(body.auditPeriod) }),
    ...(body.auditReportDate === undefined ? {} : { auditReportDate: body.auditReportDate }),
    ...(body.excludedObjectives === undefined
      ? {}
      : { excludedObjectives: excludedObjectivesOf(body.excludedObjectives) }),
  };
}
