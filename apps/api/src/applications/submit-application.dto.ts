import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import type { ValidationArguments } from 'class-validator';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateBy,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import type { ApplicationKind, ServiceModel, Track } from '@ismap/domain';
import { APPLICATION_KINDS, SERVICE_MODELS, TRACKS } from '@ismap/domain';
import { ID_PATTERNS, IsBusinessDate, Trim } from '../http/validators';
import {
  ExcludedObjectiveDto,
  MAX_EXCLUDED_OBJECTIVES,
  PeriodDto,
  ScopeDto,
} from './application-details.dto';

/** A NEW application gets its service id from the product; RENEWAL and CHANGE name the registered service. */
const serviceIdFitsKind = ValidateBy({
  name: 'serviceIdFitsKind',
  validator: {
    validate: (value: unknown, args?: ValidationArguments): boolean => {
      const kind = (args?.object as { kind?: unknown } | undefined)?.kind;
      return kind === 'NEW' ? value === undefined : typeof value === 'string';
    },
    defaultMessage: (args?: ValidationArguments): string =>
      (args?.object as { kind?: unknown } | undefined)?.kind === 'NEW'
        ? 'serviceId is not sent with a NEW application: the product assigns it'
        : 'serviceId is required for RENEWAL and CHANGE applications',
  },
});

export class SubmitApplicationDto {
  @ApiProperty({ enum: APPLICATION_KINDS, example: 'NEW' })
  @IsIn(APPLICATION_KINDS)
  readonly kind!: ApplicationKind;

  @ApiProperty({ enum: TRACKS, example: 'ISMAP' })
  @IsIn(TRACKS)
  readonly track!: Track;

  @ApiPropertyOptional({
    example: '0b6f3c2e-7a1d-5e4f-9c8b-2d3e4f5a6b7c',
    description: 'The registered service (RENEWAL, CHANGE only)',
  })
  @serviceIdFitsKind
  @ValidateIf((dto: SubmitApplicationDto) => dto.kind !== 'NEW' || dto.serviceId !== undefined)
  @Matches(ID_PATTERNS.uuid, { message: 'serviceId must be a service id (a lower-case UUID)' })
  readonly serviceId?: string;

  @ApiProperty({ example: 'Example Contact Center', maxLength: 200 })
  @Trim()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  readonly serviceName!: string;

  @ApiProperty({ enum: SERVICE_MODELS, example: 'SaaS' })
  @IsIn(SERVICE_MODELS)
  readonly serviceModel!: ServiceModel;

  @ApiProperty({ type: ScopeDto })
  @IsObject()
  @ValidateNested()
  @Type(() => ScopeDto)
  readonly scope!: ScopeDto;

  @ApiProperty({ example: 'AB5010405001703', description: 'A registered audit body' })
  @IsString()
  @Matches(ID_PATTERNS.auditBody, { message: 'auditBodyId must be AB followed by 13 digits' })
  readonly auditBodyId!: string;

  @ApiProperty({ type: PeriodDto })
  @IsObject()
  @ValidateNested()
  @Type(() => PeriodDto)
  readonly auditPeriod!: PeriodDto;

  @ApiProperty({ example: '2024-05-15', description: 'Date of the audit report (YYYY-MM-DD)' })
  @IsBusinessDate()
  readonly auditReportDate!: string;

  @ApiProperty({ example: '2024-06-01', description: 'Business date of the submission (YYYY-MM-DD)' })
  @IsBusinessDate()
  readonly submittedOn!: string;

  @ApiPropertyOptional({ type: [ExcludedObjectiveDto], maxItems: MAX_EXCLUDED_OBJECTIVES, default: [] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_EXCLUDED_OBJECTIVES)
  @ValidateNested({ each: true })
  @Type(() => ExcludedObjectiveDto)
  readonly excludedObjectives?: ExcludedObjectiveDto[];
}

export class SubmitApplicationResponse {
  @ApiProperty({ example: '5d1c0c43-2f0e-5b57-8a53-0e1f6b7f3a91' }) readonly applicationId!: string;
  @ApiProperty({ example: '0b6f3c2e-7a1d-5e4f-9c8b-2d3e4f5a6b7c' }) readonly serviceId!: string;
  @ApiProperty({ example: 0 }) readonly revision!: number;
  @ApiProperty({ example: '42' }) readonly position!: string;
}

export class ApplicationCommandResponse {
  @ApiProperty({ example: '5d1c0c43-2f0e-5b57-8a53-0e1f6b7f3a91' }) readonly applicationId!: string;
  @ApiProperty({ example: 3 }) readonly revision!: number;
  @ApiProperty({ example: '42' }) readonly position!: string;
}
