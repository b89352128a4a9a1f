import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsString, MaxLength } from 'class-validator';
import type { OrganisationType } from '@ismap/domain';
import { ORGANISATION_TYPES } from '@ismap/domain';
import { OccurredOnDto } from '../http/occurred-on.dto';
import { IsCorporateNumber, Trim } from '../http/validators';

export class ApplyAsAuditBodyDto extends OccurredOnDto {
  @ApiProperty({ example: '有限責任監査法人トーマツ', maxLength: 200 })
  @Trim()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  readonly name!: string;

  @ApiProperty({ example: '5010405001703', description: '法人番号: 13 digits, the first a check digit' })
  @IsString()
  @IsCorporateNumber()
  readonly corporateNumber!: string;

  @ApiProperty({ enum: ORGANISATION_TYPES, example: 'AUDIT_CORPORATION' })
  @IsIn(ORGANISATION_TYPES)
  readonly organisationType!: OrganisationType;
}

export class AuditBodyCommandResponse {
  @ApiProperty({ example: 'AB5010405001703' }) readonly auditBodyId!: string;
  @ApiProperty({ example: 0 }) readonly revision!: number;
  @ApiProperty({ example: '42' }) readonly position!: string;
}
