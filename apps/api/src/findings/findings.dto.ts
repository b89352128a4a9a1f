import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import type { Assessment, FindingKind, FindingResolution } from '@ismap/domain';
import { ASSESSMENTS, FINDING_KINDS, FINDING_RESOLUTIONS } from '@ismap/domain';
import { OccurredOnDto } from '../http/occurred-on.dto';
import { Trim } from '../http/validators';

export const MAX_EVIDENCE_REFS = 50;

// Control IDs are checked by the domain (422 CONTROL_ID.INVALID_FORMAT); the edge only trims and bounds them.
export class RecordAuditFindingDto extends OccurredOnDto {
  @ApiProperty({ example: '9.2.3.11.PB', maxLength: 32 })
  @Trim()
  @IsString()
  @MaxLength(32)
  readonly controlId!: string;

  @ApiProperty({ enum: ASSESSMENTS, example: 'OPERATING' })
  @IsIn(ASSESSMENTS)
  readonly assessment!: Assessment;

  @ApiProperty({ enum: FINDING_KINDS, example: 'DEFICIENCY' })
  @IsIn(FINDING_KINDS)
  readonly kind!: FindingKind;

  @ApiProperty({ example: 'Access reviews were not performed in Q3', maxLength: 4000 })
  @Trim()
  @IsString()
  @IsNotEmpty()
  @MaxLength(4000)
  readonly description!: string;

  @ApiPropertyOptional({
    type: [String],
    example: ['WP-2024-031'],
    maxItems: MAX_EVIDENCE_REFS,
    description: 'References to the audit working papers',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_EVIDENCE_REFS)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(500, { each: true })
  readonly evidenceRefs?: string[];
}

export class RaiseReviewFindingDto extends OccurredOnDto {
  @ApiProperty({ example: 'The scope omits the Osaka data centre named in the statement', maxLength: 4000 })
  @Trim()
  @IsString()
  @IsNotEmpty()
  @MaxLength(4000)
  readonly description!: string;

  @ApiPropertyOptional({ example: '5.1.1', maxLength: 32 })
  @IsOptional()
  @Trim()
  @IsString()
  @MaxLength(32)
  readonly controlId?: string;
}

export class RespondToFindingDto extends OccurredOnDto {
  @ApiProperty({ example: 'Quarterly access reviews are now scheduled and evidenced', maxLength: 4000 })
  @Trim()
  @IsString()
  @IsNotEmpty()
  @MaxLength(4000)
  readonly correctiveAction!: string;
}

export class ResolveFindingDto extends OccurredOnDto {
  @ApiProperty({ enum: FINDING_RESOLUTIONS, example: 'RESOLVED' })
  @IsIn(FINDING_RESOLUTIONS)
  readonly resolution!: FindingResolution;

  @ApiProperty({ example: 'Evidence of the Q4 review checked', maxLength: 4000 })
  @Trim()
  @IsString()
  @IsNotEmpty()
  @MaxLength(4000)
  readonly note!: string;
}

export class FindingCommandResponse {
  @ApiProperty({ example: '5d1c0c43-2f0e-5b57-8a53-0e1f6b7f3a91.F1' }) readonly findingId!: string;
  @ApiProperty({ example: '5d1c0c43-2f0e-5b57-8a53-0e1f6b7f3a91' }) readonly applicationId!: string;
  @ApiProperty({ example: 4 }) readonly revision!: number;
  @ApiProperty({ example: '42' }) readonly position!: string;
}
