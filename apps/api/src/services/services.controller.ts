import { Body, Controller, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CommandResult } from '@ismap/application';
import { ReportIncidentCommand, WithdrawServiceCommand } from '@ismap/application';
import { Access } from '@ismap/auth';
import type { ServiceEvent } from '@ismap/domain';
import { CommandMetadataFactory } from '../http/command-metadata.factory';
import { commandResponse } from '../http/command-response';
import { CommandRoute } from '../http/command-route';
import { organisationOf } from '../http/organisation';
import { ServiceIdPipe } from '../http/path-ids';
import { actorOfRequest } from '../http/principal';
import {
  IncidentCommandResponse,
  ReportIncidentDto,
  ServiceCommandResponse,
  WithdrawServiceDto,
} from './services.dto';

const SERVICE_ID = { name: 'serviceId', description: 'The registered service (a UUID)' } as const;

/**
 * What a provider does with its registered service. The route policy (libs/auth ROUTE_POLICIES) answers 404 for
 * another provider's services before these handlers run; the domain keeps the same invariant.
 */
@ApiTags('services')
@ApiBearerAuth()
@Controller('services')
export class ServicesController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly metadata: CommandMetadataFactory,
  ) {}

  @Post(':serviceId/withdrawal')
  @Access('csp')
  @ApiParam(SERVICE_ID)
  @CommandRoute({ status: 200, response: ServiceCommandResponse, ifMatch: true })
  async withdraw(
    @Param('serviceId', ServiceIdPipe) serviceId: string,
    @Body() body: WithdrawServiceDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ServiceCommandResponse> {
    const actor = actorOfRequest(request);
    const result = await this.commandBus.execute<WithdrawServiceCommand, CommandResult<ServiceEvent>>(
      new WithdrawServiceCommand(
        serviceId,
        organisationOf(actor),
        body.effectiveOn,
        body.reason,
        this.metadata.fromRequest(request, actor, { occurredOn: body.occurredOn, acceptsIfMatch: true }),
      ),
    );
    return commandResponse(reply, result, { serviceId });
  }

  @Post(':serviceId/incidents')
  @Access('csp')
  @ApiParam(SERVICE_ID)
  @CommandRoute({ status: 201, response: IncidentCommandResponse, ifMatch: true })
  async reportIncident(
    @Param('serviceId', ServiceIdPipe) serviceId: string,
    @Body() body: ReportIncidentDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<IncidentCommandResponse> {
    const actor = actorOfRequest(request);
    const result = await this.commandBus.execute<
      ReportIncidentCommand,
      CommandResult<ServiceEvent> & { incidentId: string }
    >(
      new ReportIncidentCommand(
        serviceId,
        organisationOf(actor),
        {
          stage: body.stage,
          flashIncidentId: body.flashIncidentId ?? null,
          // Instants are recorded in UTC whatever offset the reporter wrote.
          occurredAt: new Date(body.occurredAt).toISOString(),
          summary: body.summary,
        },
        this.metadata.fromRequest(request, actor, { occurredOn: body.occurredOn, acceptsIfMatch: true }),
      ),
    );
    return commandResponse(reply, result, { incidentId: result.incidentId, serviceId });
  }
}
