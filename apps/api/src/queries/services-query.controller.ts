import { Controller, Get, Headers, Param, Req } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { principalOf, Public, type Principal } from '@ismap/auth';
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
import { ServiceIdPipe } from '../http/path-ids';
import { problem, ProblemException } from '../http/problem';
import { ReadModels } from './read-models.service';

const REVIEW_ROLES = new Set(['secretariat', 'ipa-reviewer', 'committee-member']);

/** The review process and the owning provider see everything the registration holds; anyone else, the list entry. */
export function isPrivilegedFor(principal: Principal, providerId: string): boolean {
  if (principal.anonymous) return false;
  if (principal.roles.some((role) => REVIEW_ROLES.has(role))) return true;
  return principal.roles.includes('csp') && principal.org === providerId;
}

@ApiTags('services')
@Controller('services')
export class ServicesQueryController {
  constructor(private readonly readModels: ReadModels) {}

  @Get(':id')
  @Public()
  @ApiOkResponse({
    description: 'public fields for anyone; the whole registration for the review process and the owner',
  })
  async service(
    @Param('id', ServiceIdPipe) serviceId: string,
    @Req() request: FastifyRequest,
    @Headers('x-min-log-position') minPosition: string | undefined,
  ): Promise<PublicServiceView | PrivilegedServiceView> {
    await this.readModels.waitFor(minPosition, ['registrations']);
    const view = this.readModels.live('registrations');
    const doc = (await view.get(SERVICES, serviceId)) as RegistrationDoc | undefined;
    if (doc === undefined)
      throw new ProblemException(problem(404, 'SERVICE.NOT_FOUND', 'No such registered service'));
    const [provider, auditBody] = await Promise.all([
      view.get(PROVIDERS, doc.providerId) as Promise<ProviderDoc | undefined>,
      view.get(AUDIT_BODIES, doc.auditBodyId) as Promise<AuditBodyDoc | undefined>,
    ]);
    return isPrivilegedFor(principalOf(request), doc.providerId)
      ? privilegedServiceView(doc, provider, auditBody)
      : publicServiceView(doc, provider, auditBody);
  }
}
