import { TEST_CONTEXT, deciderSpecification } from '@ismap/testing/decider-specification';
import {
  PROVIDER_ID,
  REGISTRATION_NUMBER,
  RENEWAL_ID,
  SERVICE_ID,
  VALID_UNTIL,
  renewalApplied,
  serviceRegistered,
} from '@ismap/testing/fixtures/ismap-fixtures';
import { dueRenewalReminder } from './renewal-reminders';
import type { ServiceCommand } from './service';
import { serviceDecider } from './service';
import type { RenewalReminderDays } from './renewal-reminders';
import type { ServiceEvent } from './service.events';

const spec = deciderSpecification(serviceDecider);
const registered: ServiceEvent[] = [serviceRegistered()];

// VALID_UNTIL is 2022-04-30: 90 days before is 2022-01-30, 30 days 2022-03-31, 7 days 2022-04-23.
const remind = (daysBefore: RenewalReminderDays, asOf: string): ServiceCommand => ({
  type: 'RemindRenewalDeadline',
  data: { daysBefore, asOf },
});
const reminded = (
  daysBefore: RenewalReminderDays,
  remindedOn: string,
  validUntil = VALID_UNTIL,
): ServiceEvent => ({
  type: 'RenewalReminderIssued',
  data: {
    serviceId: SERVICE_ID,
    providerId: PROVIDER_ID,
    registrationNumber: REGISTRATION_NUMBER,
    validUntil,
    daysBefore,
    remindedOn,
  },
});

describe('dueRenewalReminder', () => {
  it.each([
    ['2022-01-29', null],
    ['2022-01-30', 90],
    ['2022-03-30', 90],
    ['2022-03-31', 30],
    ['2022-04-22', 30],
    ['2022-04-23', 7],
    ['2022-04-30', 7],
    ['2022-05-01', null],
  ])('on %s the due reminder is %p', (asOf, due) => {
    expect(dueRenewalReminder(VALID_UNTIL, asOf)).toBe(due);
  });

  it('counts across a leap day: 7 days before 2024-03-05 is 2024-02-27', () => {
    expect(dueRenewalReminder('2024-03-05', '2024-02-26')).toBe(30);
    expect(dueRenewalReminder('2024-03-05', '2024-02-27')).toBe(7);
  });
});

describe('RemindRenewalDeadline: 90, 30 and 7 days before validUntil, once each, without a renewal', () => {
  it('issues the reminder due on the day, for the provider', () => {
    spec
      .given(registered)
      .when(remind(90, '2022-01-30'))
      .then([reminded(90, '2022-01-30')]);
    spec
      .given(registered)
      .when(remind(7, '2022-04-30'))
      .then([reminded(7, '2022-04-30')]);
  });

  it('issues each threshold once per validity', () => {
    const after90 = [...registered, reminded(90, '2022-01-30')];
    spec.given(after90).when(remind(90, '2022-02-01')).thenThrows('REMINDER.ALREADY_SENT');
    spec
      .given(after90)
      .when(remind(30, '2022-03-31'))
      .then([reminded(30, '2022-03-31')]);
    const after30 = [...after90, reminded(30, '2022-03-31')];
    spec
      .given(after30)
      .when(remind(7, '2022-04-23'))
      .then([reminded(7, '2022-04-23')]);
  });

  it('refuses a threshold that is not the one due that day', () => {
    spec.given(registered).when(remind(90, '2022-01-29')).thenThrows('REMINDER.NOT_DUE');
    spec.given(registered).when(remind(90, '2022-03-31')).thenThrows('REMINDER.NOT_DUE');
    spec.given(registered).when(remind(7, '2022-05-01')).thenThrows('REMINDER.NOT_DUE');
  });

  it('sends nothing once a renewal has been applied for', () => {
    spec
      .given([...registered, renewalApplied()])
      .when(remind(30, '2022-03-31'))
      .thenThrows('REMINDER.RENEWAL_APPLIED');
  });

  it('starts afresh for a renewed validity', () => {
    const renewedUntil = '2023-04-30';
    const history: ServiceEvent[] = [
      ...registered,
      reminded(90, '2022-01-30'),
      reminded(30, '2022-03-31'),
      reminded(7, '2022-04-23'),
      renewalApplied(),
      {
        type: 'RegistrationRenewed',
        data: {
          serviceId: SERVICE_ID,
          applicationId: RENEWAL_ID,
          registrationNumber: 'C21-0001-2',
          auditBodyId: 'AB-1',
          auditPeriod: { start: '2021-01-01', end: '2021-12-31' },
          renewedOn: '2022-06-10',
          validUntil: renewedUntil,
          rulingId: 'R5',
          meetingId: 'M5',
        },
      },
    ];
    spec
      .given(history)
      .when(remind(90, '2023-01-30'))
      .then([
        {
          ...reminded(90, '2023-01-30', renewedUntil),
          data: { ...reminded(90, '2023-01-30', renewedUntil).data, registrationNumber: 'C21-0001-2' },
        } as ServiceEvent,
      ]);
  });

  it('refuses a day later than today and a service that is not registered', () => {
    spec
      .given(registered)
      .when(remind(90, '2022-01-30'), { today: '2022-01-29' })
      .thenThrows('BUSINESS_DATE.IN_FUTURE');
    spec.given([]).when(remind(90, '2022-01-30')).thenThrows('SERVICE.NOT_FOUND');
    spec
      .given([
        ...registered,
        {
          type: 'RegistrationExpired',
          data: { serviceId: SERVICE_ID, expiredOn: '2022-05-01', validUntil: VALID_UNTIL },
        },
      ])
      .when(remind(7, '2022-04-30'))
      .thenThrows('SERVICE.NOT_REGISTERED');
  });
});

describe('ExpireRegistration on a day later than today', () => {
  it('is refused: an expiry is never recorded ahead of time', () => {
    spec
      .given(registered)
      .when(
        { type: 'ExpireRegistration', data: { asOf: '2022-05-01' } },
        { ...TEST_CONTEXT, today: '2022-04-30' },
      )
      .thenThrows('BUSINESS_DATE.IN_FUTURE');
  });
});
