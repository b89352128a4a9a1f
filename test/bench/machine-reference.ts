/**
 * How fast the machine is while the benchmark runs, measured with a fixed piece of work, so that runs on different
 * days can be compared. The machines are virtual: the same code and the same log have cost from 12.7 to 24 µs of
 * CPU per event into memory on different days, and from one ten-minute stretch to the next, while the guest saw no
 * stolen time. A target missed at a slow reference and met at a fast one is the machine, not the change.
 *
 * The work is what a replay does most: `JSON.parse` of an event's stored text (data and metadata as the store
 * keeps them) and `JSON.stringify` of the object back (what a write to Redis does), on one thread, best of several
 * rounds (a momentary interruption does not count; a slow stretch does). Lower is faster.
 */
import { performance } from 'node:perf_hooks';

const DATA =
  '{"applicationId":"app-000123","auditBodyId":"ab-002","auditPeriod":{"end":"2021-12-31","start":"2021-01-01"},' +
  '"kind":"NEW","providerId":"csp-0042","serviceId":"svc-0042-1","serviceModel":"SaaS",' +
  '"serviceName":"クラウド会計サービス 42","submittedOn":"2022-02-14","track":"ISMAP"}';
const METADATA =
  '{"actor":{"roles":["csp"],"sub":"csp-user-42","org":"csp-0042"},"causationId":"100000-5","commandId":"100000-5",' +
  '"correlationId":"100000-5","hash":"7e11a6abd48409cbe2854b504f840fd1fb2ba2e9bf23b208f7e98550f2e9bb1e",' +
  '"occurredOn":"2022-02-14","prevHash":"0000000000000000000000000000000000000000000000000000000000000000",' +
  '"recordedAt":"2022-02-14T01:00:00.006Z","rulesetVersion":"2023.1","schemaVersion":1}';

export const REFERENCE_ROUNDS = 15;
const PER_ROUND = 20_000;

export interface MachineReference {
  /** Nanoseconds per event: parse of data and metadata, stringify of both (best round). */
  readonly nsPerEvent: number;
  readonly at: string;
}

export function measureMachineReference(): MachineReference {
  let best = Number.POSITIVE_INFINITY;
  let kept = 0;
  for (let round = 0; round < REFERENCE_ROUNDS; round++) {
    const t0 = performance.now();
    for (let i = 0; i < PER_ROUND; i++) {
      const data = JSON.parse(DATA) as unknown;
      const metadata = JSON.parse(METADATA) as unknown;
      kept += JSON.stringify(data).length + JSON.stringify(metadata).length;
    }
    best = Math.min(best, ((performance.now() - t0) * 1e6) / PER_ROUND);
  }
  // The lengths are used, so the work cannot be dropped as dead code.
  if (kept !== REFERENCE_ROUNDS * PER_ROUND * (DATA.length + METADATA.length)) {
    throw new Error('machine reference: JSON round trip changed the text');
  }
  return { nsPerEvent: Math.round(best), at: new Date().toISOString() };
}

export function formatMachineReference(reference: MachineReference): string {
  return `${reference.nsPerEvent.toLocaleString('en-US')} ns (${reference.at.slice(11, 19)} UTC)`;
}
