import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { IsBusinessDate } from './validators';

/**
 * For commands whose body names no date of its own: the business date of the fact when it is entered late (e.g.
 * history), otherwise today in Asia/Tokyo.
 */
export class OccurredOnDto {
  @ApiPropertyOptional({
    example: '2024-06-10',
    description: 'Business date (YYYY-MM-DD, Asia/Tokyo) of the fact; default today',
  })
  @IsOptional()
  @IsBusinessDate()
  readonly occurredOn?: string;
}
