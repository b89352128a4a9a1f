import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ValidationArguments } from 'class-validator';
import { IsIn, IsNotEmpty, IsString, Matches, MaxLength, ValidateBy, ValidateIf } from 'class-validator';
import type { IncidentStage } from '@ismap/domain';
import { INCIDENT_STAGES } from '@ismap/domain';
import { OccurredOnDto } from '../http/occurred-on.dto';
import { ID_PATTERNS, IsBusinessDate, IsIsoInstant, Trim } from '../http/validators';

/**
 * `occurredOn` is the date the withdrawal is notified; `effectiveOn` the date the service leaves the list, which
 * cannot come before the notice.
 */
export class WithdrawServiceDto extends OccurredOnDto {
  @ApiProperty({ example: '2026-01-31', description: 'First day the service is off the list (YYYY-MM-DD)' })
  @IsBusinessDate()
  readonly effectiveOn!: string;

  @ApiProperty({ example: 'The service is discontinued', maxLength: 4000 })
  @Trim()
  @IsString()
  @IsNotEmpty()
  @MaxLength(4000)
  readonly reason!: string;
}

export class ServiceCommandResponse {
  @ApiProperty({ example: '0b6f3c2e-7a1d-5e4f-9c8b-2d3e4f5a6b7c' }) readonly serviceId!: string;
  @ApiProperty({ example: 5 }) readonly revision!: number;
  @ApiProperty({ example: '42' }) readonly position!: string;
}

/** A final report (確報) names its flash report (速報); a flash report names none. */
const flashReferenceFitsStage = ValidateBy({
  name: 'flashReferenceFitsStage',
  validator: {
    validate: (value: unknown, args?: ValidationArguments): boolean =>
      (args?.object as { stage?: unknown } | undefined)?.stage === 'FINAL'
        ? typeof value === 'string'
        : value === undefined || value === null,
    defaultMessage: (args?: ValidationArguments): string =>
      (args?.object as { stage?: unknown } | undefined)?.stage === 'FINAL'
        ? 'flashIncidentId is required for a FINAL report'
        : 'flashIncidentId is sent with a FINAL report only',
  },
});

export class ReportIncidentDto extends OccurredOnDto {
  @ApiProperty({ enum: INCIDENT_STAGES, example: 'FLASH' })
  @IsIn(INCIDENT_STAGES)
  readonly stage!: IncidentStage;

  @ApiPropertyOptional({
    example: '3f0c2a1b-4d5e-5f60-8a7b-9c0d1e2f3a4b',
    description: 'FINAL only: the incidentId of the flash report it concludes',
  })
  @flashReferenceFitsStage
  @ValidateIf(
    (dto: ReportIncidentDto) =>
      dto.stage === 'FINAL' || (dto.flashIncidentId !== undefined && dto.flashIncidentId !== null),
  )
  @Matches(ID_PATTERNS.uuid, { message: 'flashIncidentId must be an incident id (a lower-case UUID)' })
  readonly flashIncidentId?: string | null;

  @ApiProperty({
    example: '2025-02-03T01:30:00Z',
    description: 'When the incident occurred (ISO-8601 instant)',
  })
  @IsIsoInstant()
  readonly occurredAt!: string;

  @ApiProperty({ example: 'Unauthorised access to an administration console', maxLength: 4000 })
  @Trim()
  @IsString()
  @IsNotEmpty()
  @MaxLength(4000)
  readonly summary!: string;
}

export class IncidentCommandResponse {
  @ApiProperty({ example: '3f0c2a1b-4d5e-5f60-8a7b-9c0d1e2f3a4b' }) readonly incidentId!: string;
  @ApiProperty({ example: '0b6f3c2e-7a1d-5e4f-9c8b-2d3e4f5a6b7c' }) readonly serviceId!: string;
  @ApiProperty({ example: 6 }) readonly revision!: number;
  @ApiProperty({ example: '42' }) readonly position!: string;
}
