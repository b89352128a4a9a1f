import { ApiProperty } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsNotEmpty,
  IsString,
  MaxLength,
} from 'class-validator';
import type { ExcludedObjective, Period, Scope } from '@ismap/domain';
import { IsBusinessDate, Trim } from '../http/validators';

export const MAX_REGIONS = 50;
export const MAX_EXCLUDED_OBJECTIVES = 200;

export class ScopeDto {
  @ApiProperty({ example: 'Contact-centre SaaS, production environment and its operations', maxLength: 4000 })
  @Trim()
  @IsString()
  @IsNotEmpty()
  @MaxLength(4000)
  readonly description!: string;

  @ApiProperty({ type: [String], example: ['Tokyo', 'Osaka'], maxItems: MAX_REGIONS })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_REGIONS)
  @ArrayUnique()
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(100, { each: true })
  readonly regions!: string[];
}

export class PeriodDto {
  @ApiProperty({ example: '2023-04-01', description: 'First day (YYYY-MM-DD)' })
  @IsBusinessDate()
  readonly start!: string;

  @ApiProperty({ example: '2024-03-31', description: 'Last day (YYYY-MM-DD)' })
  @IsBusinessDate()
  readonly end!: string;
}

export class ExcludedObjectiveDto {
  @ApiProperty({ example: '11.1.1', description: 'A control objective (3 numbers) of domains 5–18' })
  @Trim()
  @IsString()
  @MaxLength(32)
  readonly controlId!: string;

  // A blank reason is left to the statement rule (422 STATEMENT.EXCLUSION_REASON_REQUIRED), not the body shape.
  @ApiProperty({
    example: 'No physical premises are in scope (hosted on a registered IaaS)',
    maxLength: 2000,
  })
  @IsString()
  @MaxLength(2000)
  readonly reason!: string;
}

/** Class instances from the body become plain data before they reach commands and events. */
export const scopeOf = (scope: ScopeDto): Scope => ({
  description: scope.description,
  regions: scope.regions.map((region) => region.trim()),
});

export const periodOf = (period: PeriodDto): Period => ({ start: period.start, end: period.end });

export const excludedObjectivesOf = (
  excluded: readonly ExcludedObjectiveDto[] | undefined,
): ExcludedObjective[] =>
  (excluded ?? []).map((objective) => ({ controlId: objective.controlId, reason: objective.reason }));
