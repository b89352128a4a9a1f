import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import type { ValidationArguments } from 'class-validator';
import {
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateNested,
} from 'class-validator';
import type { Decision, RulingSubject } from '@ismap/domain';
import { DECISIONS } from '@ismap/domain';
import { ID_PATTERNS, IsBusinessDate, Trim } from '../http/validators';

export const MAX_MEETING_NUMBER = 999_999;

export class ScheduleMeetingDto {
  @ApiProperty({ example: 12, description: 'The meeting number (第N回), unique', minimum: 1 })
  @IsInt()
  @Min(1)
  @Max(MAX_MEETING_NUMBER)
  readonly number!: number;

  @ApiProperty({ example: '2024-07-15', description: 'Business date the meeting is held (YYYY-MM-DD)' })
  @IsBusinessDate()
  readonly heldOn!: string;
}

export class MeetingCommandResponse {
  @ApiProperty({ example: 'M12' }) readonly meetingId!: string;
  @ApiProperty({ example: 0 }) readonly revision!: number;
  @ApiProperty({ example: '42' }) readonly position!: string;
}

export class RulingSubjectDto {
  @ApiPropertyOptional({ example: '5d1c0c43-2f0e-5b57-8a53-0e1f6b7f3a91' })
  @IsOptional()
  @IsString()
  @Matches(ID_PATTERNS.uuid, { message: 'applicationId must be an application id (a lower-case UUID)' })
  readonly applicationId?: string;

  @ApiPropertyOptional({ example: '0b6f3c2e-7a1d-5e4f-9c8b-2d3e4f5a6b7c' })
  @IsOptional()
  @IsString()
  @Matches(ID_PATTERNS.uuid, { message: 'serviceId must be a service id (a lower-case UUID)' })
  readonly serviceId?: string;

  @ApiPropertyOptional({ example: 'AB5010405001703' })
  @IsOptional()
  @IsString()
  @Matches(ID_PATTERNS.auditBody, { message: 'auditBodyId must be AB followed by 13 digits' })
  readonly auditBodyId?: string;
}

const SUBJECT_KEYS = ['applicationId', 'serviceId', 'auditBodyId'] as const;

const namesExactlyOneSubject = ValidateBy({
  name: 'namesExactlyOneSubject',
  validator: {
    validate: (value: unknown): boolean =>
      typeof value === 'object' &&
      value !== null &&
      SUBJECT_KEYS.filter((key) => (value as Record<string, unknown>)[key] !== undefined).length === 1,
    defaultMessage: (_args?: ValidationArguments): string =>
      'subject names exactly one of applicationId, serviceId or auditBodyId',
  },
});

export class RecordRulingDto {
  @ApiProperty({
    type: RulingSubjectDto,
    description:
      'Exactly one of applicationId (REGISTER, REJECT, DEFER, RENEW, APPROVE_CHANGE), ' +
      'serviceId (REVOKE) or auditBodyId (AUDIT_BODY_REGISTER, AUDIT_BODY_DELIST)',
  })
  @namesExactlyOneSubject
  @ValidateNested()
  @Type(() => RulingSubjectDto)
  readonly subject!: RulingSubjectDto;

  @ApiProperty({ enum: DECISIONS, example: 'REGISTER' })
  @IsIn(DECISIONS)
  readonly decision!: Decision;

  @ApiProperty({ example: 'The audit report and the review found the criteria met', maxLength: 4000 })
  @Trim()
  @IsString()
  @IsNotEmpty()
  @MaxLength(4000)
  readonly rationale!: string;
}

/** Validation guarantees exactly one id is present. */
export function rulingSubjectOf(subject: RulingSubjectDto): RulingSubject {
  if (subject.applicationId !== undefined)
    return { kind: 'application', applicationId: subject.applicationId };
  if (subject.serviceId !== undefined) return { kind: 'service', serviceId: subject.serviceId };
  if (subject.auditBodyId !== undefined) return { kind: 'auditBody', auditBodyId: subject.auditBodyId };
  throw new Error('A ruling subject names none of its ids');
}

export class RulingCommandResponse {
  @ApiProperty({ example: '9a0e9d53-8f6c-5c2a-b1f7-3c4d5e6f7a8b' }) readonly rulingId!: string;
  @ApiProperty({ example: 'M12' }) readonly meetingId!: string;
  @ApiProperty({
    enum: ['EFFECTIVE', 'PENDING_CONFIRMATION'],
    description:
      'PENDING_CONFIRMATION for REVOKE and AUDIT_BODY_DELIST: no effect until another secretariat user confirms',
  })
  readonly status!: 'EFFECTIVE' | 'PENDING_CONFIRMATION';
  @ApiPropertyOptional({
    example: 'C24-0001-1',
    description: 'Present when the ruling assigns one (REGISTER, RENEW, AUDIT_BODY_REGISTER)',
  })
  readonly registrationNumber?: string;
  @ApiProperty({ example: 3, description: "The meeting's revision" }) readonly revision!: number;
  @ApiProperty({ example: '42' }) readonly position!: string;
}

export class ConfirmRulingResponse {
  @ApiProperty({ example: '9a0e9d53-8f6c-5c2a-b1f7-3c4d5e6f7a8b' }) readonly rulingId!: string;
  @ApiProperty({ example: 'M12' }) readonly meetingId!: string;
  @ApiProperty({ enum: ['EFFECTIVE'] }) readonly status!: 'EFFECTIVE';
  @ApiProperty({ example: 4, description: "The meeting's revision" }) readonly revision!: number;
  @ApiProperty({ example: '57' }) readonly position!: string;
}
