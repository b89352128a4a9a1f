import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseInterceptors,
} from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { InjectQueue } from '@nestjs/bullmq';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiHeader,
  ApiOkResponse,
  ApiProduces,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { Queue } from 'bullmq';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ReportFormat, RequestReportResult } from '@ismap/application';
import {
  CSV_TABLES,
  fileNameOf,
  loadReport,
  readVerifiedFile,
  REPORT_HTML_CSP,
  RequestReportCommand,
} from '@ismap/application';
import { Access } from '@ismap/auth';
import { APP_CONFIG, type AppConfig } from '@ismap/config';
import type { ReportPeriod, ReportState } from '@ismap/domain';
import { fiscalYearPeriod, reportPeriodProblem } from '@ismap/domain';
import { EVENT_STORE, type EventStore } from '@ismap/event-store';
import {
  QUEUES,
  REPORT_JOB,
  REPORT_JOB_OPTIONS,
  ReportJobPayload,
  reportJobId,
  toJobData,
} from '@ismap/jobs';
import { CommandMetadataFactory } from '../http/command-metadata.factory';
import { IdempotencyInterceptor } from '../http/idempotency.interceptor';
import { PathIdPipe } from '../http/path-ids';
import { actorOfRequest } from '../http/principal';
import { problem, ProblemException } from '../http/problem';
import { ID_PATTERNS } from '../http/validators';
import { ReportQuery, RequestReportDto, RequestReportResponse } from './reports.dto';

const ReportIdPipe = new PathIdPipe(ID_PATTERNS.uuid, 'REPORT.NOT_FOUND', 'report');

export type ReportJobStatus = 'QUEUED' | 'RUNNING' | 'FAILED';

export interface ReportStatusBody {
  readonly reportId: string;
  readonly status: ReportJobStatus;
  /** 0–100. */
  readonly progress: number;
  readonly period: ReportPeriod;
  readonly atPosition: string;
}

function periodOf(body: RequestReportDto): ReportPeriod {
  const byYear = body.fiscalYear !== undefined;
  const byRange = body.from !== undefined || body.to !== undefined;
  if (byYear === byRange) {
    throw new ProblemException(
      problem(400, 'REPORT.PERIOD_REQUIRED', 'Give exactly one of `fiscalYear` or `from` and `to`'),
    );
  }
  if (body.fiscalYear !== undefined) return fiscalYearPeriod(body.fiscalYear);
  if (body.from === undefined || body.to === undefined) {
    throw new ProblemException(problem(400, 'REPORT.PERIOD_REQUIRED', '`from` and `to` go together'));
  }
  const why = reportPeriodProblem(body.from, body.to);
  if (why !== null) throw new ProblemException(problem(400, 'REPORT.PERIOD_INVALID', why));
  return { from: body.from, to: body.to, fiscalYear: null };
}

/** The report to the Cybersecurity Strategic Headquarters: requested here, compiled by the worker. */
@ApiTags('reports')
@ApiBearerAuth()
@Controller('reports')
export class ReportsController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly metadata: CommandMetadataFactory,
    @InjectQueue(QUEUES.reports) private readonly queue: Queue,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post()
  @Access('secretariat')
  @UseInterceptors(IdempotencyInterceptor)
  @HttpCode(202)
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'UUID; a retry with the same key and body is the same report',
  })
  @ApiAcceptedResponse({ type: RequestReportResponse, description: 'Queued; poll the Location' })
  @ApiBadRequestResponse({ description: 'Not exactly one of fiscalYear or from/to, or not whole months' })
  @ApiForbiddenResponse({ description: 'Secretariat only' })
  async request(
    @Body() body: RequestReportDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RequestReportResponse> {
    const period = periodOf(body);
    const metadata = this.metadata.fromRequest(request, actorOfRequest(request));
    const result = await this.commandBus.execute<RequestReportCommand, RequestReportResult>(
      new RequestReportCommand(period, metadata),
    );
    await this.enqueue(result.reportId, metadata.correlationId);
    void reply.header('location', `/reports/${result.reportId}`);
    void reply.header('x-log-position', result.position);
    return {
      reportId: result.reportId,
      status: 'QUEUED',
      atPosition: result.atPosition,
      revision: result.revision,
      position: result.position,
    };
  }

  @Get(':reportId')
  @Access('secretariat')
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'md', 'csv', 'html'] })
  @ApiQuery({ name: 'table', required: false, enum: CSV_TABLES, description: 'Required with format=csv' })
  @ApiProduces('application/json', 'text/markdown', 'text/csv', 'text/html')
  @ApiOkResponse({
    description: 'The compiled report, verified against the SHA-256 recorded in ReportCompiled',
  })
  @ApiAcceptedResponse({
    description: 'Not compiled yet: `status` QUEUED, RUNNING or FAILED, and `progress`',
  })
  @ApiConflictResponse({
    description: 'REPORT.INTEGRITY: the stored file does not match its recorded SHA-256',
  })
  async get(
    @Param('reportId', ReportIdPipe) reportId: string,
    @Query() query: ReportQuery,
    // Not passthrough: the status (202 while compiling, 200 once compiled) is decided here, not by the route.
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const state = await loadReport(this.store, reportId);
    if (state.status === 'none')
      throw new ProblemException(problem(404, 'REPORT.NOT_FOUND', 'No such report'));
    if (state.status === 'REQUESTED') {
      const body = await this.status(state);
      await reply.status(202).header('retry-after', '1').send(body);
      return;
    }
    const format: ReportFormat = query.format ?? 'json';
    if (format === 'csv' && query.table === undefined) {
      throw new ProblemException(
        problem(
          400,
          'REPORT.CSV_TABLE_REQUIRED',
          'The CSV report is one file per table: name one with `table`',
          {
            tables: CSV_TABLES,
          },
        ),
      );
    }
    if (format !== 'csv' && query.table !== undefined) {
      throw new ProblemException(problem(400, 'REQUEST.INVALID', '`table` goes with format=csv only'));
    }
    const name = fileNameOf(format, query.table);
    const file = state.files.find((f) => f.name === name);
    const verified =
      file === undefined ? undefined : await readVerifiedFile(this.config.dataDir, reportId, file);
    if (verified === undefined || !verified.ok) {
      throw new ProblemException(
        problem(
          409,
          'REPORT.INTEGRITY',
          'The stored report file does not match the SHA-256 recorded when it was compiled',
        ),
      );
    }
    void reply.header('content-type', verified.file.contentType);
    void reply.header('x-content-sha256', verified.file.sha256);
    if (format === 'html') {
      // The page's one stylesheet is allowed by its hash; still no script, no other origin and no framing.
      void reply.header('content-security-policy', `${REPORT_HTML_CSP}; frame-ancestors 'none'`);
    }
    const download = format === 'html' || format === 'json' ? 'inline' : 'attachment';
    const suffix = format === 'csv' ? `-${query.table ?? ''}` : '';
    void reply.header(
      'content-disposition',
      `${download}; filename="report-${reportId}${suffix}.${format === 'md' ? 'md' : format}"`,
    );
    await reply.status(200).send(verified.bytes);
  }

  private async status(state: Exclude<ReportState, { status: 'none' }>): Promise<ReportStatusBody> {
    const job = await this.queue.getJob(reportJobId(state.reportId));
    let status: ReportJobStatus = 'QUEUED';
    let progress = 0;
    if (job === undefined) {
      // Requested but not queued (the queue was away when it was requested): queue it now, once.
      await this.enqueue(state.reportId, `report:${state.reportId}`);
    } else {
      const jobState = await job.getState();
      status =
        jobState === 'failed'
          ? 'FAILED'
          : jobState === 'active' || jobState === 'completed'
            ? 'RUNNING'
            : 'QUEUED';
      progress = typeof job.progress === 'number' ? Math.min(100, Math.max(0, Math.round(job.progress))) : 0;
    }
    return { reportId: state.reportId, status, progress, period: state.period, atPosition: state.atPosition };
  }

  private async enqueue(reportId: string, correlationId: string): Promise<void> {
    const payload = Object.assign(new ReportJobPayload(), { correlationId, reportId });
    await this.queue.add(REPORT_JOB, toJobData(ReportJobPayload, payload), {
      ...REPORT_JOB_OPTIONS,
      jobId: reportJobId(reportId),
    });
  }
}
