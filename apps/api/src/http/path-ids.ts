import type { PipeTransform } from '@nestjs/common';
import { problem, ProblemException } from './problem';
import { ID_PATTERNS } from './validators';

/**
 * A path id that cannot exist is answered like one that does not: 404 problem+json with the code the domain uses
 * for a missing object, so a caller learns nothing from the difference.
 */
export class PathIdPipe implements PipeTransform<unknown, string> {
  constructor(
    private readonly pattern: RegExp,
    private readonly code: string,
    private readonly what: string,
  ) {}

  transform(value: unknown): string {
    if (typeof value === 'string' && this.pattern.test(value)) return value;
    throw new ProblemException(problem(404, this.code, `No such ${this.what}`));
  }
}

export const ApplicationIdPipe = new PathIdPipe(ID_PATTERNS.uuid, 'APPLICATION.NOT_FOUND', 'application');
export const ServiceIdPipe = new PathIdPipe(ID_PATTERNS.uuid, 'SERVICE.NOT_FOUND', 'registered service');
export const FindingIdPipe = new PathIdPipe(ID_PATTERNS.finding, 'FINDING.NOT_FOUND', 'finding');
export const MeetingIdPipe = new PathIdPipe(ID_PATTERNS.meeting, 'MEETING.NOT_FOUND', 'meeting');
