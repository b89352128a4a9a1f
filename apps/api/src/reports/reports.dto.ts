import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { CSV_TABLES, type CsvTable, type ReportFormat } from '@ismap/application';
import { IsBusinessDate } from '../http/validators';

/** Exactly one of `fiscalYear` or `from` + `to` (checked in the controller, where both are known). */
export class RequestReportDto {
  @ApiPropertyOptional({ example: 2021, description: 'Japanese fiscal year: 2021 = 2021-04-01 … 2022-03-31' })
  @IsOptional()
  @IsInt()
  @Min(2020)
  @Max(2100)
  readonly fiscalYear?: number;

  @ApiPropertyOptional({ example: '2021-04-01', description: 'First day of a month' })
  @IsOptional()
  @IsBusinessDate()
  readonly from?: string;

  @ApiPropertyOptional({ example: '2021-06-30', description: 'Last day of a month' })
  @IsOptional()
  @IsBusinessDate()
  readonly to?: string;
}

export class RequestReportResponse {
  @ApiProperty({ example: '8f0c…' }) readonly reportId!: string;
  @ApiProperty({ example: 'QUEUED' }) readonly status!: string;
  @ApiProperty({ example: '1234', description: 'The log position the report is computed at' })
  readonly atPosition!: string;
  @ApiProperty({ example: 0 }) readonly revision!: number;
  @ApiProperty({ example: '1235' }) readonly position!: string;
}

export class ReportQuery {
  @IsOptional()
  @IsIn(['json', 'md', 'csv', 'html'])
  readonly format?: ReportFormat;

  @IsOptional()
  @IsIn(CSV_TABLES)
  readonly table?: CsvTable;
}
