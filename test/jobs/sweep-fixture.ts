import type { EventData, EventStore } from '@ismap/event-store';
import { deriveEventId } from '@ismap/event-store';
import type { ServiceEvent } from '@ismap/domain';
import { serviceStreamName } from '@ismap/domain';
import { serviceRegistered } from '@ismap/testing/fixtures/ismap-fixtures';

/**
 * A hand-built log around the 2024 leap day, for the registration sweep. What each service should do:
 *
 * | service       | validUntil  | history                                 | sweep 2024-02-29   | sweep 2024-03-01     |
 * |---------------|-------------|-----------------------------------------|--------------------|----------------------|
 * | SVC-LEAP-EVE  | 2024-02-28  | registered                              | expired 2024-02-29 | —                    |
 * | SVC-LEAP-DAY  | 2024-02-29  | registered                              | valid, 7-day rem.  | expired 2024-03-01   |
 * | SVC-PENDING   | 2024-01-31  | renewal applied 2024-01-20, undecided   | not expired        | not expired          |
 * | SVC-REJECTED  | 2024-02-10  | renewal applied, then rejected 02-05    | expired 2024-02-11 | —                    |
 * | SVC-WITHDRAWN | 2023-12-31  | withdrawn                               | not expired        | not expired          |
 * | SVC-MARCH     | 2024-03-01  | registered                              | 7-day reminder     | still valid          |
 * | SVC-MAY       | 2024-05-30  | registered                              | —                  | 90-day reminder      |
 * | SVC-MARCH-END | 2024-03-31  | renewal applied 2024-02-20, undecided   | no reminder        | no reminder          |
 */
export const SWEEP_FIXTURE = {
  leapEve: 'SVC-LEAP-EVE',
  leapDay: 'SVC-LEAP-DAY',
  pending: 'SVC-PENDING',
  rejected: 'SVC-REJECTED',
  withdrawn: 'SVC-WITHDRAWN',
  march: 'SVC-MARCH',
  may: 'SVC-MAY',
  marchEnd: 'SVC-MARCH-END',
} as const;

const registered = (serviceId: string, n: number, validUntil: string): ServiceEvent =>
  serviceRegistered({
    serviceId,
    registrationNumber: `C22-${String(n).padStart(4, '0')}-1`,
    registeredOn: '2022-06-01',
    validUntil,
  });

const HISTORIES: Readonly<Record<string, readonly ServiceEvent[]>> = {
  [SWEEP_FIXTURE.leapEve]: [registered(SWEEP_FIXTURE.leapEve, 1, '2024-02-28')],
  [SWEEP_FIXTURE.leapDay]: [registered(SWEEP_FIXTURE.leapDay, 2, '2024-02-29')],
  [SWEEP_FIXTURE.pending]: [
    registered(SWEEP_FIXTURE.pending, 3, '2024-01-31'),
    {
      type: 'RenewalApplied',
      data: { serviceId: SWEEP_FIXTURE.pending, applicationId: 'APP-R3', appliedOn: '2024-01-20' },
    },
  ],
  [SWEEP_FIXTURE.rejected]: [
    registered(SWEEP_FIXTURE.rejected, 4, '2024-02-10'),
    {
      type: 'RenewalApplied',
      data: { serviceId: SWEEP_FIXTURE.rejected, applicationId: 'APP-R4', appliedOn: '2024-01-10' },
    },
    {
      type: 'RenewalClosed',
      data: {
        serviceId: SWEEP_FIXTURE.rejected,
        applicationId: 'APP-R4',
        outcome: 'REJECTED',
        closedOn: '2024-02-05',
      },
    },
  ],
  [SWEEP_FIXTURE.withdrawn]: [
    registered(SWEEP_FIXTURE.withdrawn, 5, '2023-12-31'),
    {
      type: 'ServiceWithdrawn',
      data: {
        serviceId: SWEEP_FIXTURE.withdrawn,
        effectiveOn: '2023-06-30',
        reason: 'Service discontinued',
        withdrawnOn: '2023-06-01',
      },
    },
  ],
  [SWEEP_FIXTURE.march]: [registered(SWEEP_FIXTURE.march, 6, '2024-03-01')],
  [SWEEP_FIXTURE.may]: [registered(SWEEP_FIXTURE.may, 7, '2024-05-30')],
  [SWEEP_FIXTURE.marchEnd]: [
    registered(SWEEP_FIXTURE.marchEnd, 8, '2024-03-31'),
    {
      type: 'RenewalApplied',
      data: { serviceId: SWEEP_FIXTURE.marchEnd, applicationId: 'APP-R8', appliedOn: '2024-02-20' },
    },
  ],
};

/** Appends the fixture as the log would hold it after the rulings (one command per event). */
export async function appendSweepFixture(store: EventStore): Promise<void> {
  for (const [serviceId, events] of Object.entries(HISTORIES)) {
    let revision: number | 'no_stream' = 'no_stream';
    for (const [index, event] of events.entries()) {
      const commandId = `fixture-${serviceId}-${index}`;
      const result = await store.appendToStream(
        serviceStreamName(serviceId),
        [
          {
            id: deriveEventId(commandId, 0),
            type: event.type,
            data: event.data as unknown as EventData,
            metadata: {
              actor: { sub: 'test-fixture', roles: ['secretariat'] },
              correlationId: commandId,
              causationId: commandId,
              commandId,
              occurredOn: '2024-01-01',
              recordedAt: '2024-01-01T00:00:00.000Z',
              schemaVersion: 1,
              rulesetVersion: '2023-10',
            },
          },
        ],
        { expectedRevision: revision },
      );
      revision = result.nextExpectedRevision;
    }
  }
}
