/** The edge's clock, injectable so tests can pin "now"; the domain never reads time itself. */
export abstract class Clock {
  abstract now(): Date;
}

export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}
