import { Inject, Injectable } from '@nestjs/common';
import { loadStream, readWebhookEndpoint } from '@ismap/application';
import type { ApplicationFacts, FindingFacts, PolicyFacts, ServiceFacts, WebhookFacts } from '@ismap/auth';
import {
  applicationDecider,
  applicationIdOfFinding,
  applicationStreamName,
  serviceDecider,
  serviceStreamName,
} from '@ismap/domain';
import type { EventStore } from '@ismap/event-store';
import { EVENT_STORE } from '@ismap/event-store';
import { listApplications } from '@ismap/read-models';
import { ID_PATTERNS } from '../http/validators';
import { ReadModels } from './read-models.service';

/** Applications still in progress: an audit body named in one audits that service now. */
const IN_PROGRESS = new Set(['SUBMITTED', 'RETURNED', 'ACCEPTED', 'REFERRED']);

/**
 * What the access policies of libs/auth need to know about an object. Ownership is read from the object's own
 * stream, never from a read model: the guard runs before the handler's read-your-writes wait and before commands,
 * so it must see an application the moment it is submitted. A text that cannot be an id names nothing.
 */
@Injectable()
export class EventStorePolicyFacts implements PolicyFacts {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly readModels: ReadModels,
  ) {}

  async application(applicationId: string): Promise<ApplicationFacts | undefined> {
    if (!ID_PATTERNS.uuid.test(applicationId)) return undefined;
    const { state } = await loadStream(this.store, applicationStreamName(applicationId), applicationDecider);
    if (state.status === 'none') return undefined;
    return { providerId: state.providerId, auditBodyId: state.auditBodyId, serviceId: state.serviceId };
  }

  async service(serviceId: string): Promise<ServiceFacts | undefined> {
    if (!ID_PATTERNS.uuid.test(serviceId)) return undefined;
    const { state } = await loadStream(this.store, serviceStreamName(serviceId), serviceDecider);
    return state.status === 'none' ? undefined : { providerId: state.providerId };
  }

  async finding(findingId: string): Promise<FindingFacts | undefined> {
    const applicationId = ID_PATTERNS.finding.test(findingId) ? applicationIdOfFinding(findingId) : null;
    if (applicationId === null) return undefined;
    const { state } = await loadStream(this.store, applicationStreamName(applicationId), applicationDecider);
    if (state.status === 'none') return undefined;
    return { providerId: state.providerId, auditBodyId: state.auditBodyId, serviceId: state.serviceId };
  }

  async webhook(webhookId: string): Promise<WebhookFacts | undefined> {
    if (!ID_PATTERNS.uuid.test(webhookId)) return undefined;
    const endpoint = await readWebhookEndpoint(this.store, webhookId);
    return endpoint === null ? undefined : { organisationId: endpoint.organisationId };
  }

  /** From the applications read model, which list handlers have waited for (X-Min-Log-Position) by then. */
  async servicesUnderAuditBy(auditBodyId: string): Promise<ReadonlySet<string>> {
    const named = await listApplications(this.readModels.live('applications'), { auditBodyId });
    return new Set(named.filter((a) => IN_PROGRESS.has(a.status)).map((a) => a.serviceId));
  }
}
