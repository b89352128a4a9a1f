import { Body, Controller, Get, Inject, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RegisterWebhookEndpointResult } from '@ismap/application';
import {
  IdempotencyKeyReusedError,
  readWebhookEndpoint,
  readWebhookEndpoints,
  RegisterWebhookEndpointCommand,
  webhookIdFor,
  type WebhookEndpoint,
} from '@ismap/application';
import { Access } from '@ismap/auth';
import { APP_CONFIG, type AppConfig } from '@ismap/config';
import type { WebhookOrganisationKind } from '@ismap/domain';
import { EVENT_STORE, type Actor, type EventStore } from '@ismap/event-store';
import { WebhookDeliveryLog, WebhookSecrets, webhookUrlProblem } from '@ismap/jobs';
import { CommandMetadataFactory } from '../http/command-metadata.factory';
import { commandResponse } from '../http/command-response';
import { CommandRoute } from '../http/command-route';
import { organisationOf } from '../http/organisation';
import { PathIdPipe } from '../http/path-ids';
import { actorOfRequest } from '../http/principal';
import { problem, ProblemException } from '../http/problem';
import { ID_PATTERNS } from '../http/validators';
import { WebhookIdempotencyGuard } from './webhook-idempotency.guard';
import {
  RegisterWebhookDto,
  RegisterWebhookResponse,
  WebhookDeliveriesResponse,
  WebhookEndpointsResponse,
  type WebhookEndpointView,
} from './webhooks.dto';

const WebhookIdPipe = new PathIdPipe(ID_PATTERNS.uuid, 'WEBHOOK.NOT_FOUND', 'webhook endpoint');

interface Organisation {
  readonly kind: WebhookOrganisationKind;
  readonly id: string;
}

/** A csp token acts for its provider, an audit-body token for its audit body; the body never names either. */
function organisationOfActor(actor: Actor): Organisation {
  const id = organisationOf(actor);
  const csp = actor.roles.includes('csp');
  const auditBody = actor.roles.includes('audit-body');
  if (csp === auditBody) {
    throw new ProblemException(
      problem(
        403,
        'WEBHOOK.ORGANISATION_AMBIGUOUS',
        'Use a token with exactly one of the roles csp, audit-body',
      ),
    );
  }
  return { kind: csp ? 'provider' : 'auditBody', id };
}

function viewOf(endpoint: WebhookEndpoint): WebhookEndpointView {
  return {
    webhookId: endpoint.webhookId,
    url: endpoint.url,
    eventTypes: endpoint.eventTypes,
    secretFingerprint: endpoint.secretFingerprint,
    registeredOn: endpoint.registeredOn,
    position: endpoint.position,
  };
}

/** Webhook endpoints of the caller's own organisation (docs/adr/0008-webhooks.md). */
@ApiTags('webhooks')
@ApiBearerAuth()
@Controller('webhooks')
export class WebhooksController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly metadata: CommandMetadataFactory,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly secrets: WebhookSecrets,
    private readonly deliveries: WebhookDeliveryLog,
  ) {}

  @Post()
  @Access('csp', 'audit-body')
  @UseGuards(WebhookIdempotencyGuard)
  @CommandRoute({
    status: 201,
    response: RegisterWebhookResponse,
    summary: 'Registers an endpoint; the signing secret is in this answer only',
  })
  async register(
    @Body() body: RegisterWebhookDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RegisterWebhookResponse> {
    const actor = actorOfRequest(request);
    const organisation = organisationOfActor(actor);
    const urlProblem = webhookUrlProblem(body.url, {
      allowLoopbackHttp: this.config.webhooks.allowLoopbackHttp,
    });
    if (urlProblem !== null) {
      throw new ProblemException(
        problem(400, 'WEBHOOK.URL_NOT_ALLOWED', urlProblem, {
          errors: [{ field: 'url', messages: [urlProblem] }],
        }),
      );
    }
    const fromRequest = this.metadata.fromRequest(request, actor);
    const commandId = request.webhookCommandId ?? fromRequest.commandId;
    const webhookId = webhookIdFor(commandId);
    const secret = this.secrets.secretFor(webhookId);
    const data = {
      webhookId,
      organisationId: organisation.id,
      organisationKind: organisation.kind,
      url: body.url,
      eventTypes: body.eventTypes ?? null,
      secretFingerprint: WebhookSecrets.fingerprintOf(secret),
    };
    const result = await this.commandBus.execute<
      RegisterWebhookEndpointCommand,
      RegisterWebhookEndpointResult
    >(new RegisterWebhookEndpointCommand(data, { ...fromRequest, commandId, causationId: commandId }));
    if (result.replayed) {
      const first = result.events[0]?.data;
      const sameTypes =
        JSON.stringify(first?.eventTypes ?? null) === JSON.stringify(normalisedTypes(data.eventTypes));
      if (first?.url !== data.url || first.organisationId !== data.organisationId || !sameTypes) {
        throw new IdempotencyKeyReusedError();
      }
      void reply.header('idempotent-replayed', 'true');
    }
    // The secret must not linger in a cache on the way back.
    void reply.header('cache-control', 'no-store');
    return {
      ...commandResponse(reply, result, { webhookId }),
      secret,
      secretFingerprint: data.secretFingerprint,
    };
  }

  @Get()
  @Access('csp', 'audit-body')
  @ApiOkResponse({ type: WebhookEndpointsResponse })
  async list(@Req() request: FastifyRequest): Promise<WebhookEndpointsResponse> {
    const organisation = organisationOfActor(actorOfRequest(request));
    const endpoints = await readWebhookEndpoints(this.store);
    return {
      items: endpoints
        .filter((e) => e.organisationKind === organisation.kind && e.organisationId === organisation.id)
        .map(viewOf),
    };
  }

  @Get(':webhookId/deliveries')
  @Access('csp', 'audit-body')
  @ApiParam({ name: 'webhookId', description: 'The endpoint (a UUID)' })
  @ApiOkResponse({ type: WebhookDeliveriesResponse })
  @ApiNotFoundResponse({ description: 'No such endpoint, or one of another organisation' })
  async deliveriesOf(
    @Param('webhookId', WebhookIdPipe) webhookId: string,
    @Req() request: FastifyRequest,
  ): Promise<WebhookDeliveriesResponse> {
    const organisation = organisationOfActor(actorOfRequest(request));
    const endpoint = await readWebhookEndpoint(this.store, webhookId);
    // The route policy already hid endpoints of another organisation id; this also tells a provider from an audit
    // body that happen to share an id. Either way the answer is the one for an endpoint that does not exist.
    if (
      endpoint === null ||
      endpoint.organisationKind !== organisation.kind ||
      endpoint.organisationId !== organisation.id
    ) {
      throw new ProblemException(problem(404, 'WEBHOOK.NOT_FOUND', 'No such webhook endpoint'));
    }
    const items = await this.deliveries.deliveriesOf(webhookId);
    return {
      webhookId,
      items: items.map((delivery) => ({
        eventId: delivery.eventId,
        eventType: delivery.eventType,
        state: delivery.state,
        attempts: delivery.attempts.map(({ attempt, at, status, error, outcome, nextRetryAt }) => ({
          attempt,
          at,
          status,
          error,
          outcome,
          nextRetryAt,
        })),
      })),
    };
  }
}

function normalisedTypes(types: readonly string[] | null): readonly string[] | null {
  return types === null ? null : [...new Set(types)].sort();
}
