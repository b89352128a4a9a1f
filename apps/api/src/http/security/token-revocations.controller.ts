import { Body, Controller, HttpCode, Inject, Post, Req, UseInterceptors } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { buildMessage, IsOptional, IsString, MaxLength, ValidateBy } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import type { AuthModuleOptions } from '@ismap/auth';
import {
  Access,
  AUTH_OPTIONS,
  identifierProblem,
  isRevocationRegistry,
  MAX_DEV_TOKEN_TTL_SECONDS,
} from '@ismap/auth';
import { Audited } from '../../access-log/audited.decorator';
import { Clock } from '../clock';
import { IdempotencyInterceptor } from '../idempotency.interceptor';
import { actorOfRequest } from '../principal';
import { problem, ProblemException } from '../problem';
import { IsIsoInstant, Trim } from '../validators';

/** Longest any token we accept lives; a revocation without `expiresAt` is kept this long. */
export const DEFAULT_REVOCATION_SECONDS = MAX_DEV_TOKEN_TTL_SECONDS;

/** A `jti` the verifier could have accepted: the same rule, so nothing else reaches the list. */
const IsTokenIdentifier = (): PropertyDecorator =>
  ValidateBy({
    name: 'isTokenIdentifier',
    validator: {
      validate: (value: unknown): boolean => identifierProblem(value) === undefined,
      defaultMessage: buildMessage(
        (each) =>
          `${each}$property must be 1–256 characters without control characters or surrounding spaces`,
      ),
    },
  });

const IsTokenReason = (): PropertyDecorator =>
  ValidateBy({
    name: 'isTokenReason',
    validator: {
      validate: (value: unknown): boolean => typeof value === 'string' && value.trim() !== '',
      defaultMessage: buildMessage((each) => `${each}$property must say why`),
    },
  });

export class RevokeTokenDto {
  @ApiProperty({ description: 'The `jti` claim of the token to refuse from now on', maxLength: 256 })
  @IsTokenIdentifier()
  readonly jti!: string;

  @ApiPropertyOptional({
    example: '2026-12-01T09:00:00Z',
    description: "The token's `exp`, after which it is refused anyway; default: 30 days from now",
  })
  @IsOptional()
  @IsIsoInstant()
  readonly expiresAt?: string;

  @ApiProperty({ example: 'Laptop reported stolen', maxLength: 500 })
  @Trim()
  @IsString()
  @MaxLength(500)
  @IsTokenReason()
  readonly reason!: string;
}

export class TokenRevokedResponse {
  @ApiProperty() readonly jti!: string;
  @ApiProperty({ description: 'Until when the jti is refused (ISO-8601 UTC)' }) readonly until!: string;
  @ApiProperty({ description: 'false when the token had expired already: nothing needed remembering' })
  readonly stored!: boolean;
}

/** Revoking a token is an act on the edge's security, not a fact of the programme: it is kept in Redis. */
@ApiTags('auth')
@ApiBearerAuth()
@Controller('auth/revocations')
export class TokenRevocationsController {
  constructor(
    @Inject(AUTH_OPTIONS) private readonly options: AuthModuleOptions,
    private readonly clock: Clock,
  ) {}

  @Post()
  @Access('secretariat')
  @Audited('token-revocation')
  @UseInterceptors(IdempotencyInterceptor)
  @HttpCode(201)
  @ApiCreatedResponse({ type: TokenRevokedResponse, description: 'The jti is refused from now on' })
  @ApiUnauthorizedResponse({ description: 'No or invalid bearer token' })
  @ApiForbiddenResponse({ description: 'Only the secretariat revokes tokens' })
  async revoke(@Body() body: RevokeTokenDto, @Req() request: FastifyRequest): Promise<TokenRevokedResponse> {
    const revocations = this.options.revocations;
    if (!isRevocationRegistry(revocations)) {
      throw new ProblemException(problem(503, 'AUTH.REVOCATION_UNAVAILABLE', 'Revocation is not configured'));
    }
    const now = this.clock.now();
    const until =
      body.expiresAt === undefined
        ? new Date(now.getTime() + DEFAULT_REVOCATION_SECONDS * 1000)
        : new Date(body.expiresAt);
    const actor = actorOfRequest(request);
    const stored = await revocations.revoke(body.jti, until, {
      revokedBy: actor.sub,
      revokedAt: now.toISOString(),
      reason: body.reason,
    });
    return { jti: body.jti, until: until.toISOString(), stored };
  }
}
