import type { Projection } from './projection';
import { registrationsProjection } from './lists/registrations.projection';
import { applicationsProjection } from './applications/applications.projection';
import { findingsProjection } from './findings/findings.projection';
import { auditTrailProjection } from './trail/audit-trail.projection';
import { committeeProjection } from './committee/committee.projection';
import { programmeCountersProjection } from './counters/programme-counters.projection';

/** Every projection the worker runs and `cli rebuild` knows, by name. */
export const PROJECTIONS: readonly Projection[] = [
  registrationsProjection,
  applicationsProjection,
  findingsProjection,
  auditTrailProjection,
  committeeProjection,
  programmeCountersProjection,
];
