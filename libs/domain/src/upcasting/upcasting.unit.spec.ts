import { TEST_CONTEXT, deciderSpecification } from '@ismap/testing/decider-specification';
import { ACCEPTED_ON, applicationSubmitted } from '@ismap/testing/fixtures/ismap-fixtures';
import { applicationDecider } from '../applications/application';
import type { ApplicationEvent } from '../applications/application.events';
import type { ApplicationSubmittedV1Data } from '../applications/application.events.v1';
import { DOMAIN_UPCASTERS, currentSchemaVersion, upcastEvent } from './index';
import { UpcasterRegistry } from './upcaster-registry';

const metadata = (schemaVersion: number) => ({ schemaVersion, commandId: 'c-1' });

/** An ApplicationSubmitted as schema 1 recorded it: the scope without a list of regions. */
function submittedV1(): {
  type: string;
  data: ApplicationSubmittedV1Data;
  metadata: { schemaVersion: number };
} {
  const { scope, ...rest } = applicationSubmitted().data;
  return {
    type: 'ApplicationSubmitted',
    data: { ...rest, scope: { description: scope.description } },
    metadata: metadata(1),
  };
}

describe('domain upcasters', () => {
  it('bring a schema-1 ApplicationSubmitted to schema 2 with an explicit empty list of regions', () => {
    const v1 = submittedV1();
    const frozen = JSON.stringify(v1);
    const v2 = upcastEvent(v1);
    expect(v2.data).toEqual({ ...v1.data, scope: { description: v1.data.scope.description, regions: [] } });
    expect(v2.metadata).toEqual({ schemaVersion: 2, commandId: 'c-1' });
    expect(JSON.stringify(v1)).toBe(frozen);
  });

  it('keep a list of regions that a schema-1 event already carries', () => {
    const recorded = { ...applicationSubmitted(), metadata: metadata(1) };
    expect(upcastEvent(recorded).data.scope.regions).toEqual(['Tokyo', 'Osaka']);
  });

  it('bring the scope in a schema-1 ApplicationResubmitted along, and leave other changes alone', () => {
    const withScope = {
      type: 'ApplicationResubmitted',
      data: {
        applicationId: 'a',
        changes: { scope: { description: 'All' }, serviceName: 'X' },
        resubmittedOn: '2021-02-08',
      },
      metadata: metadata(1),
    };
    expect(upcastEvent(withScope).data.changes).toEqual({
      scope: { description: 'All', regions: [] },
      serviceName: 'X',
    });
    const withoutScope = { ...withScope, data: { ...withScope.data, changes: { serviceName: 'X' } } };
    expect(upcastEvent(withoutScope).data.changes).toEqual({ serviceName: 'X' });
  });

  it('return the very same event when nothing applies: other types, the latest version, a newer one', () => {
    const accepted = {
      type: 'ApplicationAccepted',
      data: { acceptedOn: ACCEPTED_ON },
      metadata: metadata(1),
    };
    expect(upcastEvent(accepted)).toBe(accepted);
    const latest = { ...applicationSubmitted(), metadata: metadata(2) };
    expect(upcastEvent(latest)).toBe(latest);
    const newer = { ...applicationSubmitted(), metadata: metadata(3) };
    expect(upcastEvent(newer)).toBe(newer);
  });

  it('name the version each type is written with', () => {
    expect(currentSchemaVersion('ApplicationSubmitted')).toBe(2);
    expect(currentSchemaVersion('ApplicationResubmitted')).toBe(2);
    expect(currentSchemaVersion('ApplicationAccepted')).toBe(1);
    expect(DOMAIN_UPCASTERS.latestVersion('ProviderRegistered')).toBe(1);
  });

  it('run a chain step by step from the recorded version, and refuse a chain with a gap', () => {
    const registry = new UpcasterRegistry([
      { type: 'T', fromVersion: 2, upcast: (data: { n: number }) => ({ n: data.n * 10 }) },
      { type: 'T', fromVersion: 1, upcast: (data: { n: number }) => ({ n: data.n + 1 }) },
    ]);
    expect(registry.upcast({ type: 'T', data: { n: 1 }, metadata: { schemaVersion: 1 } }).data).toEqual({
      n: 20,
    });
    expect(registry.upcast({ type: 'T', data: { n: 1 }, metadata: { schemaVersion: 2 } }).data).toEqual({
      n: 10,
    });
    expect(registry.upcast({ type: 'T', data: { n: 1 }, metadata: {} }).data).toEqual({ n: 20 });
    expect(() => new UpcasterRegistry([{ type: 'T', fromVersion: 2, upcast: () => ({}) }])).toThrow(/gaps/);
  });

  it('let the application decider carry on from an upcast schema-1 submission', () => {
    const upcast = upcastEvent(submittedV1());
    const history = [{ type: upcast.type, data: upcast.data } as ApplicationEvent];
    const state = history.reduce(applicationDecider.evolve, applicationDecider.initialState());
    expect(state).toMatchObject({ status: 'SUBMITTED', scope: { regions: [] } });
    deciderSpecification(applicationDecider)
      .given(history)
      .when({ type: 'AcceptApplication', data: { acceptedOn: ACCEPTED_ON } })
      .then([
        {
          type: 'ApplicationAccepted',
          data: { applicationId: upcast.data.applicationId, acceptedOn: ACCEPTED_ON },
        },
      ]);
    expect(
      applicationDecider.decide(
        { type: 'AcceptApplication', data: { acceptedOn: ACCEPTED_ON } },
        state,
        TEST_CONTEXT,
      ),
    ).toHaveLength(1);
  });
});
