import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
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
  ValidateNested,
} from 'class-validator';
import type { ServiceModel } from '@ismap/domain';
import { SERVICE_MODELS } from '@ismap/domain';
import { OccurredOnDto } from '../http/occurred-on.dto';
import { ID_PATTERNS, IsBusinessDate, Trim } from '../http/validators';
import {
  ExcludedObjectiveDto,
  MAX_EXCLUDED_OBJECTIVES,
  PeriodDto,
  ScopeDto,
} from './application-details.dto';

/** Only the fields that change; the rest of the application stays as submitted. */
export class ResubmitApplicationDto extends OccurredOnDto {
  @ApiPropertyOptional({ example: 'Example Contact Center', maxLength: 200 })
  @IsOptional()
  @Trim()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  readonly serviceName?: string;

  @ApiPropertyOptional({ enum: SERVICE_MODELS })
  @IsOptional()
  @IsIn(SERVICE_MODELS)
  readonly serviceModel?: ServiceModel;

  @ApiPropertyOptional({ type: ScopeDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ScopeDto)
  readonly scope?: ScopeDto;

  @ApiPropertyOptional({ example: 'AB5010405001703' })
  @IsOptional()
  @IsString()
  @Matches(ID_PATTERNS.auditBody, { message: 'auditBodyId must be AB followed by 13 digits' })
  readonly auditBodyId?: string;

  @ApiPropertyOptional({ type: PeriodDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => PeriodDto)
  readonly auditPeriod?: PeriodDto;

  @ApiPropertyOptional({ example: '2024-05-15' })
  @IsOptional()
  @IsBusinessDate()
  readonly auditReportDate?: string;

  @ApiPropertyOptional({ type: [ExcludedObjectiveDto], maxItems: MAX_EXCLUDED_OBJECTIVES })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_EXCLUDED_OBJECTIVES)
  @ValidateNested({ each: true })
  @Type(() => ExcludedObjectiveDto)
  readonly excludedObjectives?: ExcludedObjectiveDto[];
}
