import type { Decision } from '@ismap/domain';
import { DECISIONS, TRACKS } from '@ismap/domain';
import type { HqReport, LeadTimeStage } from './report.model';
import { LEAD_TIME_STAGES } from './report.model';

/**
 * The report's sections as labelled tables, shared by the Markdown and HTML renderers: headings are Japanese with
 * the English in parentheses, as the Headquarters' report is written in Japanese and read by both.
 */
export type Cell = string | number | null;

export interface LabelledTable {
  readonly headers: readonly string[];
  readonly rows: readonly (readonly Cell[])[];
}

export interface Section {
  readonly id: string;
  readonly title: string;
  readonly note?: string;
  readonly tables: readonly LabelledTable[];
}

export const bilingual = (ja: string, en: string): string => `${ja} (${en})`;

export const DECISION_LABELS: Readonly<Record<Decision, string>> = {
  REGISTER: bilingual('登録', 'Register'),
  REJECT: bilingual('却下', 'Reject'),
  DEFER: bilingual('継続審議', 'Defer'),
  RENEW: bilingual('更新', 'Renew'),
  APPROVE_CHANGE: bilingual('変更承認', 'Approve change'),
  REVOKE: bilingual('登録取消し', 'Revoke'),
  AUDIT_BODY_REGISTER: bilingual('監査機関登録', 'Audit body register'),
  AUDIT_BODY_DELIST: bilingual('監査機関登録抹消', 'Audit body delist'),
};

export const STAGE_LABELS: Readonly<Record<LeadTimeStage, string>> = {
  submissionToAcceptance: bilingual('申請→受理', 'Submission → acceptance'),
  acceptanceToReferral: bilingual('受理→付議', 'Acceptance → referral'),
  referralToDecision: bilingual('付議→決定', 'Referral → ruling'),
  submissionToDecision: bilingual('申請→決定', 'Submission → ruling'),
};

export const TRACK_LABELS = { ISMAP: 'ISMAP', ISMAP_LIU: 'ISMAP-LIU' } as const;

export const REPORT_TITLE = bilingual(
  'サイバーセキュリティ戦略本部への報告：ISMAPの運用状況',
  'Report to the Cybersecurity Strategic Headquarters: operation of ISMAP',
);

export function periodLabel(report: HqReport): string {
  const fy = report.period.fiscalYear === null ? '' : ` (FY${report.period.fiscalYear})`;
  return `${report.period.from} – ${report.period.to}${fy}`;
}

export function reportSections(report: HqReport): Section[] {
  const tracks = TRACKS.map((t) => TRACK_LABELS[t]);
  const listRow = (label: string, pick: (t: (typeof TRACKS)[number]) => number): Cell[] => [
    label,
    ...TRACKS.map(pick),
  ];
  const l = report.lists;
  const a = report.applications;
  return [
    {
      id: 'lists',
      title: bilingual('登録サービス数', 'Registered services'),
      note: bilingual(
        `期首は ${report.period.startListDate} 終了時点、期末は ${report.period.to} 時点`,
        `start as decided by the end of ${report.period.startListDate}, end as of ${report.period.to}`,
      ),
      tables: [
        {
          headers: [bilingual('項目', 'Item'), ...tracks],
          rows: [
            listRow(bilingual('期首の登録数', 'Entries at start'), (t) => l[t].atStart),
            listRow(bilingual('新規登録', 'New registrations'), (t) => l[t].registrations),
            listRow(bilingual('更新', 'Renewals'), (t) => l[t].renewals),
            listRow(bilingual('変更', 'Changes'), (t) => l[t].changes),
            listRow(bilingual('有効期間満了', 'Expiries'), (t) => l[t].expiries),
            listRow(bilingual('うち失効記録済み', 'Expiries recorded'), (t) => l[t].expiriesRecorded),
            listRow(bilingual('取下げ', 'Withdrawals'), (t) => l[t].withdrawals),
            listRow(bilingual('登録取消し', 'Revocations'), (t) => l[t].revocations),
            listRow(bilingual('期末の登録数', 'Entries at end'), (t) => l[t].atEnd),
          ],
        },
      ],
    },
    {
      id: 'list-size',
      title: bilingual('登録数の推移', 'List size over time'),
      tables: [
        {
          headers: [bilingual('日付', 'Date'), ...tracks, bilingual('監査機関', 'Audit bodies')],
          rows: report.listSizeOverTime.map((p) => [p.date, p.ISMAP, p.ISMAP_LIU, p.auditBodies]),
        },
      ],
    },
    {
      id: 'quarters',
      title: bilingual('四半期別の新規登録', 'Registrations per quarter'),
      tables: [
        {
          headers: [bilingual('四半期', 'Quarter'), bilingual('期間', 'Dates'), ...tracks],
          rows: report.registrationsPerQuarter.map((q) => [
            q.label,
            `${q.from} – ${q.to}`,
            q.ISMAP,
            q.ISMAP_LIU,
          ]),
        },
      ],
    },
    {
      id: 'applications',
      title: bilingual('申請', 'Applications'),
      tables: [
        {
          headers: [bilingual('項目', 'Item'), ...tracks],
          rows: [
            listRow(bilingual('受付', 'Received'), (t) => a[t].received),
            listRow(bilingual('差戻し', 'Returned'), (t) => a[t].returned),
            listRow(bilingual('取下げ', 'Withdrawn'), (t) => a[t].withdrawn),
            listRow(bilingual('却下', 'Rejected'), (t) => a[t].rejected),
            listRow(bilingual('継続審議', 'Deferred'), (t) => a[t].deferred),
          ],
        },
      ],
    },
    {
      id: 'lead-times',
      title: bilingual('審査期間（日）', 'Lead times, days'),
      note: bilingual(
        `期間内に決定された申請 ${report.leadTimes.decided} 件`,
        `${report.leadTimes.decided} applications ruled on in the period; nearest-rank percentiles`,
      ),
      tables: [
        {
          headers: [
            bilingual('区間', 'Stage'),
            bilingual('件数', 'Count'),
            bilingual('中央値', 'Median'),
            bilingual('90パーセンタイル', '90th percentile'),
          ],
          rows: LEAD_TIME_STAGES.map((s) => {
            const d = report.leadTimes.stages[s];
            return [STAGE_LABELS[s], d.count, d.median, d.p90];
          }),
        },
        {
          headers: [bilingual('申請→決定（日）', 'Submission → ruling, days'), bilingual('件数', 'Count')],
          rows: report.leadTimes.histogram.map((b) => [`${b.fromDays}–${b.toDays - 1}`, b.count]),
        },
      ],
    },
    {
      id: 'findings',
      title: bilingual('指摘事項', 'Findings'),
      note: bilingual(
        '分野は管理策番号の先頭の数字、REVIEW は技術的審査の指摘',
        'domain = first number of the control id; REVIEW = technical review findings',
      ),
      tables: [
        {
          headers: [
            bilingual('分野', 'Domain'),
            bilingual('種別', 'Kind'),
            bilingual('新規', 'Opened'),
            bilingual('解消', 'Resolved'),
            bilingual('リスク受容', 'Risk accepted'),
            bilingual('期末未解消', 'Open at end'),
          ],
          rows: report.findings.map((f) => [
            f.domain,
            f.kind,
            f.opened,
            f.resolved,
            f.riskAccepted,
            f.openAtEnd,
          ]),
        },
      ],
    },
    {
      id: 'incidents',
      title: bilingual('インシデント報告', 'Incidents'),
      tables: [
        {
          headers: [bilingual('報告', 'Report'), bilingual('件数', 'Count')],
          rows: [
            [bilingual('速報', 'Flash'), report.incidents.FLASH],
            [bilingual('確報', 'Final'), report.incidents.FINAL],
          ],
        },
      ],
    },
    {
      id: 'audit-bodies',
      title: bilingual('登録監査機関', 'Audit bodies'),
      tables: [
        {
          headers: [bilingual('項目', 'Item'), bilingual('件数', 'Count')],
          rows: [
            [bilingual('期首の登録数', 'Registered at start'), report.auditBodies.atStart],
            [bilingual('新規登録', 'Registered'), report.auditBodies.registered],
            [bilingual('登録抹消', 'Delisted'), report.auditBodies.delisted],
            [bilingual('期末の登録数', 'Registered at end'), report.auditBodies.atEnd],
          ],
        },
      ],
    },
    {
      id: 'committee',
      title: bilingual('運営委員会', 'Steering Committee'),
      note: bilingual(
        `開催 ${report.committee.meetingsHeld} 回、決定 ${report.committee.totalRulings} 件（確認待ち ${report.committee.rulingsAwaitingConfirmation} 件）`,
        `${report.committee.meetingsHeld} meetings held, ${report.committee.totalRulings} rulings (${report.committee.rulingsAwaitingConfirmation} awaiting confirmation)`,
      ),
      tables: [
        {
          headers: [
            bilingual('回', 'No.'),
            bilingual('開催日', 'Held on'),
            ...DECISIONS.map((d) => DECISION_LABELS[d]),
            bilingual('計', 'Total'),
          ],
          rows: report.committee.meetings.map((m) => [
            `第${m.number}回`,
            m.heldOn,
            ...DECISIONS.map((d) => m.rulings[d]),
            m.totalRulings,
          ]),
        },
        {
          headers: [bilingual('決定の種別', 'Ruling'), bilingual('件数', 'Count')],
          rows: [
            ...DECISIONS.map((d): Cell[] => [DECISION_LABELS[d], report.committee.rulingsByKind[d]]),
            [bilingual('計', 'Total'), report.committee.totalRulings],
          ],
        },
      ],
    },
    {
      id: 'seal',
      title: bilingual('証跡の完全性シール', 'Trail integrity seal'),
      tables:
        report.seal === null
          ? []
          : [
              {
                headers: [bilingual('項目', 'Item'), bilingual('値', 'Value')],
                rows: [
                  [bilingual('ログ位置', 'Log position'), report.seal.position],
                  [bilingual('ルート', 'Root'), report.seal.root],
                  [bilingual('署名', 'Signature'), report.seal.signature],
                  [bilingual('鍵ID', 'Key id'), report.seal.keyId],
                ],
              },
            ],
      ...(report.seal === null
        ? { note: bilingual('報告時点のシールなし', 'no seal recorded at the report’s log position') }
        : {}),
    },
  ];
}
