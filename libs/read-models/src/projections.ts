import type { Projection } from './projection';
import { registrationsProjection } from './lists/registrations.projection';

/** Every projection the worker runs and `cli rebuild` knows, by name. */
export const PROJECTIONS: readonly Projection[] = [registrationsProjection];
