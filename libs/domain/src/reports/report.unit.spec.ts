import type { CommandContext } from '../shared/messages';
import { DomainError } from '../shared/domain-error';
import type { ReportState } from './report';
import { fiscalYearPeriod, monthsOfPeriod, reportDecider, reportPeriodProblem } from './report';

const context: CommandContext = {
  commandId: 'c-1',
  actor: { sub: 'secretariat-1', roles: ['secretariat'] },
  occurredOn: '2026-11-22',
  now: '2026-11-22T01:00:00.000Z',
  today: '2026-11-22',
};
const file = { name: 'report.json', contentType: 'application/json', bytes: 10, sha256: 'a'.repeat(64) };
const requested = (): ReportState =>
  reportDecider.evolve(
    reportDecider.initialState(),
    reportDecider.decide(
      { type: 'RequestReport', data: { reportId: 'r-1', period: fiscalYearPeriod(2021), atPosition: '42' } },
      reportDecider.initialState(),
      context,
    )[0]!,
  );

describe('report periods', () => {
  it('a fiscal year runs April 1 to March 31', () => {
    expect(fiscalYearPeriod(2020)).toEqual({ from: '2020-04-01', to: '2021-03-31', fiscalYear: 2020 });
    expect(fiscalYearPeriod(2023)).toEqual({ from: '2023-04-01', to: '2024-03-31', fiscalYear: 2023 });
  });

  it('accepts whole months only, up to 60', () => {
    expect(reportPeriodProblem('2021-04-01', '2021-06-30')).toBeNull();
    expect(reportPeriodProblem('2024-02-01', '2024-02-29')).toBeNull();
    expect(reportPeriodProblem('2021-04-02', '2021-06-30')).toMatch(/first day/);
    expect(reportPeriodProblem('2021-04-01', '2021-06-29')).toMatch(/last day/);
    expect(reportPeriodProblem('2021-07-01', '2021-06-30')).toMatch(/later/);
    expect(reportPeriodProblem('2021-04-01', '2026-04-30')).toMatch(/60 months/);
    expect(reportPeriodProblem('2021-02-30', '2021-06-30')).toMatch(/dates/);
  });

  it('lists the months of a period', () => {
    expect(monthsOfPeriod({ from: '2021-11-01', to: '2022-02-28' })).toEqual([
      '2021-11-01',
      '2021-12-01',
      '2022-01-01',
      '2022-02-01',
    ]);
  });
});

describe('report decider', () => {
  it('records the request with its period and log position, dated the day it was asked for', () => {
    const state = requested();
    expect(state).toMatchObject({ status: 'REQUESTED', reportId: 'r-1', atPosition: '42' });
  });

  it('refuses a second request and a period that is not whole months', () => {
    expect(() =>
      reportDecider.decide(
        { type: 'RequestReport', data: { reportId: 'r-1', period: fiscalYearPeriod(2021), atPosition: '1' } },
        requested(),
        context,
      ),
    ).toThrow(DomainError);
    expect(() =>
      reportDecider.decide(
        {
          type: 'RequestReport',
          data: {
            reportId: 'r-2',
            period: { from: '2021-04-05', to: '2021-06-30', fiscalYear: null },
            atPosition: '1',
          },
        },
        reportDecider.initialState(),
        context,
      ),
    ).toThrow(expect.objectContaining({ code: 'REPORT.PERIOD_INVALID' }));
  });

  it('compiles once, with the files, the period and the position of the request', () => {
    const events = reportDecider.decide(
      { type: 'CompileReport', data: { files: [file] } },
      requested(),
      context,
    );
    expect(events).toEqual([
      {
        type: 'ReportCompiled',
        data: {
          reportId: 'r-1',
          period: fiscalYearPeriod(2021),
          atPosition: '42',
          files: [file],
          compiledOn: '2026-11-22',
        },
      },
    ]);
    const compiled = reportDecider.evolve(requested(), events[0]!);
    expect(compiled).toMatchObject({ status: 'COMPILED', files: [file] });
    expect(
      reportDecider.decide({ type: 'CompileReport', data: { files: [file] } }, compiled, context),
    ).toEqual([]);
  });

  it('refuses to compile an unknown report or files without a SHA-256', () => {
    const compile = { type: 'CompileReport', data: { files: [{ ...file, sha256: 'nope' }] } } as const;
    expect(() => reportDecider.decide(compile, reportDecider.initialState(), context)).toThrow(
      expect.objectContaining({ code: 'REPORT.NOT_FOUND' }),
    );
    expect(() => reportDecider.decide(compile, requested(), context)).toThrow(
      expect.objectContaining({ code: 'REPORT.FILES_INVALID' }),
    );
  });
});
