import type { LoggerService } from '@nestjs/common';
import type { Logger as Pino } from 'pino';

/** Nest's logger on top of the same pino instance Fastify logs requests with: one JSON log stream. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly pino: Pino) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(
    level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace',
    message: unknown,
    rest: unknown[],
  ): void {
    // Nest passes the context (class name) last; an error's stack comes before it.
    const context = typeof rest[rest.length - 1] === 'string' ? (rest.pop() as string) : undefined;
    const fields: Record<string, unknown> = context === undefined ? {} : { context };
    if (message !== null && typeof message === 'object') {
      const [text] = rest;
      this.pino[level]({ ...fields, ...message }, typeof text === 'string' ? text : undefined);
      return;
    }
    const [stack] = rest;
    if (typeof stack === 'string') fields['stack'] = stack;
    this.pino[level](fields, String(message));
  }
}
