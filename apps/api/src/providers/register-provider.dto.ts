import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsNotEmpty, IsString, Matches, MaxLength, Validate } from 'class-validator';
import type { ValidatorConstraintInterface } from 'class-validator';
import { ValidatorConstraint } from 'class-validator';
import { isCorporateNumber } from '@ismap/domain';

@ValidatorConstraint({ name: 'corporateNumberCheckDigit' })
class CorporateNumberCheckDigit implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && (!/^\d{13}$/.test(value) || isCorporateNumber(value));
  }
  defaultMessage(): string {
    return 'corporateNumber fails its check digit (法人番号のチェックディジットが一致しません)';
  }
}

export class RegisterProviderDto {
  @ApiProperty({ example: 'Google LLC', maxLength: 200 })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  readonly name!: string;

  @ApiProperty({ example: '7000012050002', description: '法人番号: 13 digits, the first a check digit' })
  @IsString()
  @Matches(/^\d{13}$/, { message: 'corporateNumber must be exactly 13 digits' })
  @Validate(CorporateNumberCheckDigit)
  readonly corporateNumber!: string;
}

export class RegisterProviderResponse {
  @ApiProperty({ example: 'P7000012050002' }) readonly providerId!: string;
  @ApiProperty({ example: 0 }) readonly revision!: number;
  @ApiProperty({ example: '42' }) readonly position!: string;
}
