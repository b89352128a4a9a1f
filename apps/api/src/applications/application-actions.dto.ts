import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, Matches, MaxLength } from 'class-validator';
import { OccurredOnDto } from '../http/occurred-on.dto';
import { ID_PATTERNS, IsBusinessDate, Trim } from '../http/validators';

export class AcceptApplicationDto {
  @ApiProperty({ example: '2024-06-10', description: 'Business date of the acceptance check (YYYY-MM-DD)' })
  @IsBusinessDate()
  readonly acceptedOn!: string;
}

export class ReturnApplicationDto extends OccurredOnDto {
  @ApiProperty({ example: 'The management Written Representation is not signed', maxLength: 4000 })
  @Trim()
  @IsString()
  @IsNotEmpty()
  @MaxLength(4000)
  readonly reason!: string;
}

export class ReferApplicationDto extends OccurredOnDto {
  @ApiProperty({ example: 'M12', description: 'The committee meeting whose agenda takes the application' })
  @IsString()
  @Matches(ID_PATTERNS.meeting, { message: 'meetingId must be M followed by the meeting number' })
  readonly meetingId!: string;
}

export class WithdrawApplicationDto extends OccurredOnDto {
  @ApiProperty({ example: 'The service is being discontinued', maxLength: 4000 })
  @Trim()
  @IsString()
  @IsNotEmpty()
  @MaxLength(4000)
  readonly reason!: string;
}
