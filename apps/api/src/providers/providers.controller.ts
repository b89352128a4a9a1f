import { Body, Controller, HttpCode, Post, Req, Res, UseInterceptors } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RegisterProviderCommand, type RegisterProviderResult } from '@ismap/application';
import { Access } from '@ismap/auth';
import { CommandMetadataFactory } from '../http/command-metadata.factory';
import { commandResponse } from '../http/command-response';
import { IdempotencyInterceptor } from '../http/idempotency.interceptor';
import { actorOfRequest } from '../http/principal';
import { RegisterProviderDto, RegisterProviderResponse } from './register-provider.dto';

@ApiTags('providers')
@ApiBearerAuth()
@Controller('providers')
export class ProvidersController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly metadata: CommandMetadataFactory,
  ) {}

  @Post()
  @UseInterceptors(IdempotencyInterceptor)
  @HttpCode(201)
  @Access('secretariat', 'ipa-reviewer')
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'UUID; a retry with the same key and body appends nothing',
  })
  @ApiCreatedResponse({ type: RegisterProviderResponse })
  async register(
    @Body() body: RegisterProviderDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RegisterProviderResponse> {
    const result = await this.commandBus.execute<RegisterProviderCommand, RegisterProviderResult>(
      new RegisterProviderCommand(
        { name: body.name, corporateNumber: body.corporateNumber },
        this.metadata.fromRequest(request, actorOfRequest(request)),
      ),
    );
    return commandResponse(reply, result, { providerId: result.providerId });
  }
}
