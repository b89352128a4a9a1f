import { SetMetadata } from '@nestjs/common';

export const AUDITED_METADATA = 'ismap:access-log:audited';

/**
 * Every successful call of this route leaves an access record naming the resource kind (refusals are recorded
 * on every protected route anyway). On a handler or a controller.
 */
export const Audited = (resource: string): ClassDecorator & MethodDecorator =>
  SetMetadata(AUDITED_METADATA, resource);

/**
 * For reads of confidential data (findings, applications, audit trail, service history):
 * `@AuditedRead('findings')` beside `@Access(...)`.
 */
export const AuditedRead = Audited;
