import { Controller, Get, Headers, Param, Req } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { authorizationOf, Public, type ServiceAudience } from '@ismap/auth';
import { tokyoDateOf } from '@ismap/domain';
import type { PrivilegedServiceView, PublicServiceView } from '@ismap/read-models';
import {
  AUDIT_BODIES,
  privilegedServiceView,
  PROVIDERS,
  publicServiceView,
  SERVICES,
  type AuditBodyDoc,
  type ProviderDoc,
  type RegistrationDoc,
} from '@ismap/read-models';
import { Clock } from '../http/clock';
import { ServiceIdPipe } from '../http/path-ids';
import { problem, ProblemException } from '../http/problem';
import { ReadModels } from './read-models.service';

type ServiceView = PublicServiceView | PrivilegedServiceView;

/**
 * One serializer per audience, each an explicit pick of fields (libs/read-models list-queries). The route policy
 * (libs/auth ROUTE_POLICIES) names the audience: the review process and the owning provider are `privileged`,
 * anyone else `public`.
 */
export const SERVICE_SERIALIZERS: Readonly<
  Record<
    ServiceAudience,
    (
      doc: RegistrationDoc,
      provider: ProviderDoc | undefined,
      auditBody: AuditBodyDoc | undefined,
      date: string,
    ) => ServiceView
  >
> = { public: publicServiceView, privileged: privilegedServiceView };

function serializerFor(audience: string | undefined): (typeof SERVICE_SERIALIZERS)[ServiceAudience] {
  // Anything the policy did not name gets the least.
  return audience === 'privileged' ? SERVICE_SERIALIZERS.privileged : SERVICE_SERIALIZERS.public;
}

@ApiTags('services')
@Controller('services')
export class ServicesQueryController {
  constructor(
    private readonly readModels: ReadModels,
    private readonly clock: Clock,
  ) {}

  @Get(':id')
  @Public()
  @ApiOkResponse({
    description: 'public fields for anyone; the whole registration for the review process and the owner',
  })
  async service(
    @Param('id', ServiceIdPipe) serviceId: string,
    @Req() request: FastifyRequest,
    @Headers('x-min-log-position') minPosition: string | undefined,
  ): Promise<ServiceView> {
    await this.readModels.waitFor(minPosition, ['registrations']);
    const view = this.readModels.live('registrations');
    const doc = (await view.get(SERVICES, serviceId)) as RegistrationDoc | undefined;
    if (doc === undefined)
      throw new ProblemException(problem(404, 'SERVICE.NOT_FOUND', 'No such registered service'));
    const [provider, auditBody] = await Promise.all([
      view.get(PROVIDERS, doc.providerId) as Promise<ProviderDoc | undefined>,
      view.get(AUDIT_BODIES, doc.auditBodyId) as Promise<AuditBodyDoc | undefined>,
    ]);
    const today = tokyoDateOf(this.clock.now());
    return serializerFor(authorizationOf(request).audience)(doc, provider, auditBody, today);
  }
}
