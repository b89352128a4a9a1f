import { deciderSpecification } from '@ismap/testing/decider-specification';
import {
  AUDIT_BODY_CORPORATE_NUMBER,
  AUDIT_BODY_ID,
  auditBodyApplied,
  auditBodyHistory,
  stateAfter,
} from '@ismap/testing/fixtures/ismap-fixtures';
import type { ApplyAsAuditBody, AuditBodyCommand, AuditBodyEvent, AuditBodyFacts } from './audit-body';
import { auditBodyDecider, auditBodyFactsOf, auditBodyIdFor, wasRegisteredOn } from './audit-body';

const spec = deciderSpecification(auditBodyDecider);

const apply = (overrides: Partial<ApplyAsAuditBody['data']> = {}): ApplyAsAuditBody => ({
  type: 'ApplyAsAuditBody',
  data: { ...auditBodyApplied().data, name: ' 監査法人テスト (illustrative) ', ...overrides },
});
const register: AuditBodyCommand = {
  type: 'RegisterAuditBody',
  data: { registrationNumber: 'A20-0001', registeredOn: '2020-10-01', rulingId: 'R-AB', meetingId: 'M0' },
};
const delist: AuditBodyCommand = {
  type: 'DelistAuditBody',
  data: { delistedOn: '2023-03-01', rulingId: 'R8', meetingId: 'M8', rationale: 'Quality review failed' },
};
const delisted: AuditBodyEvent = {
  type: 'AuditBodyDelisted',
  data: {
    auditBodyId: AUDIT_BODY_ID,
    delistedOn: '2023-03-01',
    rulingId: 'R8',
    meetingId: 'M8',
    rationale: 'Quality review failed',
  },
};

const applied: AuditBodyEvent[] = [auditBodyApplied()];
const registered = auditBodyHistory('2020-10-01');

describe('audit body decider', () => {
  describe('ApplyAsAuditBody', () => {
    it('records an audit corporation’s application with a trimmed name', () => {
      spec.given([]).when(apply()).then([auditBodyApplied()]);
    });

    it('derives the audit body id from the corporate number', () => {
      expect(auditBodyIdFor(AUDIT_BODY_CORPORATE_NUMBER)).toBe(AUDIT_BODY_ID);
    });

    it('refuses a second application by the same organisation', () => {
      spec.given(applied).when(apply()).thenThrows('AUDIT_BODY.ALREADY_APPLIED');
    });

    it('refuses a corporate number with a wrong check digit', () => {
      spec
        .given([])
        .when(apply({ corporateNumber: '3120001000002' }))
        .thenThrows('AUDIT_BODY.CORPORATE_NUMBER_INVALID');
    });

    it('accepts only audit corporations for the time being', () => {
      spec
        .given([])
        .when(apply({ organisationType: 'OTHER' }))
        .thenThrows('AUDIT_BODY.ORGANISATION_TYPE_NOT_ACCEPTED');
    });

    it('refuses a blank name', () => {
      spec
        .given([])
        .when(apply({ name: '  ' }))
        .thenThrows('AUDIT_BODY.NAME_REQUIRED');
    });

    it('refuses an application dated after today', () => {
      spec
        .given([])
        .when(apply({ appliedOn: '2026-11-22' }))
        .thenThrows('BUSINESS_DATE.IN_FUTURE');
    });
  });

  describe('RegisterAuditBody (the reaction to an AUDIT_BODY_REGISTER ruling)', () => {
    it('registers an applied audit body under its number', () => {
      spec
        .given(applied)
        .when(register)
        .then([registered[1] as AuditBodyEvent]);
    });

    it('answers not found for an audit body that never applied', () => {
      spec.given([]).when(register).thenThrows('AUDIT_BODY.NOT_FOUND');
    });

    it('refuses to register twice', () => {
      spec.given(registered).when(register).thenThrows('AUDIT_BODY.NOT_APPLIED');
    });
  });

  describe('DelistAuditBody (the reaction to an AUDIT_BODY_DELIST ruling)', () => {
    it('delists a registered audit body', () => {
      spec.given(registered).when(delist).then([delisted]);
    });

    it('refuses to delist an audit body that is only applied', () => {
      spec.given(applied).when(delist).thenThrows('AUDIT_BODY.NOT_REGISTERED');
    });

    it('refuses to delist twice', () => {
      spec
        .given([...registered, delisted])
        .when(delist)
        .thenThrows('AUDIT_BODY.NOT_REGISTERED');
    });

    it('answers not found for an audit body that never applied', () => {
      spec.given([]).when(delist).thenThrows('AUDIT_BODY.NOT_FOUND');
    });
  });

  describe('facts for other deciders', () => {
    it('gives the registration and delisting dates', () => {
      expect(auditBodyFactsOf(stateAfter(auditBodyDecider, [...registered, delisted]))).toEqual({
        auditBodyId: AUDIT_BODY_ID,
        status: 'DELISTED',
        registrationNumber: 'A20-0001',
        registeredOn: '2020-10-01',
        delistedOn: '2023-03-01',
      });
    });

    it('gives no facts for an audit body that never applied', () => {
      expect(auditBodyFactsOf(auditBodyDecider.initialState())).toBeNull();
    });

    const facts = auditBodyFactsOf(stateAfter(auditBodyDecider, [...registered, delisted])) as AuditBodyFacts;
    it.each([
      ['2020-09-30', false],
      ['2020-10-01', true],
      ['2023-02-28', true],
      ['2023-03-01', false],
    ])('was on the list on %s: %s', (date, expected) => {
      expect(wasRegisteredOn(facts, date)).toBe(expected);
    });

    it('was never on the list while only applied', () => {
      const appliedFacts = auditBodyFactsOf(stateAfter(auditBodyDecider, applied)) as AuditBodyFacts;
      expect(wasRegisteredOn(appliedFacts, '2026-11-21')).toBe(false);
    });
  });
});
