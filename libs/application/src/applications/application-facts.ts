import type { AuditBodyFacts, MeetingFacts, ServiceFacts } from '@ismap/domain';
import {
  auditBodyDecider,
  auditBodyFactsOf,
  auditBodyStreamName,
  meetingDecider,
  meetingStreamName,
  providerDecider,
  providerStreamName,
  serviceDecider,
  serviceFactsOf,
  serviceStreamName,
} from '@ismap/domain';
import type { EventStore } from '@ismap/event-store';
import { loadStream } from '../commands/handle-command';

/** Reads what the application decider needs to know about other aggregates; the decider stays pure. */
export class ApplicationFacts {
  constructor(private readonly store: EventStore) {}

  async providerExists(providerId: string): Promise<boolean> {
    return (await loadStream(this.store, providerStreamName(providerId), providerDecider)).exists;
  }

  async auditBody(auditBodyId: string): Promise<AuditBodyFacts | null> {
    return auditBodyFactsOf(
      (await loadStream(this.store, auditBodyStreamName(auditBodyId), auditBodyDecider)).state,
    );
  }

  async service(serviceId: string): Promise<ServiceFacts | null> {
    return serviceFactsOf((await loadStream(this.store, serviceStreamName(serviceId), serviceDecider)).state);
  }

  async meeting(meetingId: string): Promise<MeetingFacts | null> {
    const { state } = await loadStream(this.store, meetingStreamName(meetingId), meetingDecider);
    return state.status === 'none'
      ? null
      : { meetingId: state.meetingId, number: state.number, heldOn: state.heldOn };
  }
}
