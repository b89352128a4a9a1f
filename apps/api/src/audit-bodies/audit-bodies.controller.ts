import { Body, Controller, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApplyAsAuditBodyCommand, type ApplyAsAuditBodyResult } from '@ismap/application';
import { Access } from '@ismap/auth';
import { CommandMetadataFactory } from '../http/command-metadata.factory';
import { commandResponse } from '../http/command-response';
import { CommandRoute } from '../http/command-route';
import { actorOfRequest } from '../http/principal';
import { ApplyAsAuditBodyDto, AuditBodyCommandResponse } from './apply-as-audit-body.dto';

@ApiTags('audit-bodies')
@ApiBearerAuth()
@Controller('audit-bodies')
export class AuditBodiesController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly metadata: CommandMetadataFactory,
  ) {}

  /** Records the application; the audit body is listed only by a committee ruling (AUDIT_BODY_REGISTER). */
  @Post()
  @Access('secretariat', 'ipa-reviewer')
  @CommandRoute({ status: 201, response: AuditBodyCommandResponse })
  async apply(
    @Body() body: ApplyAsAuditBodyDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AuditBodyCommandResponse> {
    const result = await this.commandBus.execute<ApplyAsAuditBodyCommand, ApplyAsAuditBodyResult>(
      new ApplyAsAuditBodyCommand(
        { name: body.name, corporateNumber: body.corporateNumber, organisationType: body.organisationType },
        this.metadata.fromRequest(request, actorOfRequest(request), { occurredOn: body.occurredOn }),
      ),
    );
    return commandResponse(reply, result, { auditBodyId: result.auditBodyId });
  }
}
