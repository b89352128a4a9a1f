import { Inject, Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { CommandMetadata, CommandResult } from '@ismap/application';
import { ExpireRegistrationCommand, RemindRenewalDeadlineCommand } from '@ismap/application';
import type { RenewalReminderDays, ServiceEvent } from '@ismap/domain';
import { DomainError, dueRenewalReminder, isBusinessDate } from '@ismap/domain';
import type { Actor } from '@ismap/event-store';
import {
  EVENT_STORE,
  EventIdConflictError,
  WrongExpectedVersionError,
  type EventStore,
} from '@ismap/event-store';
import type { RegistrationDoc } from '@ismap/read-models';
import { SERVICES, registrationsProjection, replayInMemory } from '@ismap/read-models';
import { deriveCommandId, JOB_ACTOR } from '../job-metadata';

export interface SweepContext {
  /** The business day swept (YYYY-MM-DD, Asia/Tokyo); never later than today. */
  readonly asOf: string;
  readonly correlationId: string;
  readonly causationId: string;
  readonly actor?: Actor;
  readonly now?: Date;
  /** Called after each expiry this sweep recorded (not one found already recorded): the test fault point. */
  readonly afterExpiry?: (entry: ExpiryEntry) => Promise<void>;
}

export interface ExpiryEntry {
  readonly serviceId: string;
  readonly registrationNumber: string;
  readonly validUntil: string;
  readonly expiredOn: string;
  /** True when another sweep (a retry, a second worker, the CLI) had already recorded this expiry. */
  readonly alreadyRecorded: boolean;
}

export interface ReminderEntry {
  readonly serviceId: string;
  readonly registrationNumber: string;
  readonly validUntil: string;
  readonly daysBefore: RenewalReminderDays;
  readonly alreadyRecorded: boolean;
}

export interface SweepResult {
  readonly asOf: string;
  readonly expired: readonly ExpiryEntry[];
  readonly reminded: readonly ReminderEntry[];
  /** Candidates the decider refused after all (the stream moved since the replay), with the rule's code. */
  readonly skipped: readonly { readonly serviceId: string; readonly code: string }[];
}

export class InvalidSweepDateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidSweepDateError';
  }
}

/** Concurrent appends on one stream (two sweeps at once) retry this often; the retry then finds the command. */
const CONFLICT_ATTEMPTS = 3;

/**
 * The daily registration sweep (docs/adr/0013): expires every registration past `validUntil` with no renewal
 * pending, and issues the renewal deadline reminders due that day.
 *
 * Candidates come from the registrations projection replayed in memory from the log (the same evolve the live read
 * model runs), not from the Redis read model: the replay reads up to the log's end, so a registration recorded a
 * moment ago, or one the live projection has parked or not yet reached, cannot be missed. Each candidate then goes
 * through its command, whose decider judges the service's own stream: the replay only proposes, the stream decides.
 *
 * Command ids derive from what is decided (service, validity end, threshold), so a second run, a retried job,
 * two workers at once or `cli expire` beside the worker record each expiry and each reminder once.
 */
@Injectable()
export class RegistrationSweep {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly commandBus: CommandBus,
  ) {}

  async run(context: SweepContext): Promise<SweepResult> {
    const { asOf } = context;
    if (!isBusinessDate(asOf)) throw new InvalidSweepDateError(`${asOf} is not a date (YYYY-MM-DD)`);
    const model = await replayInMemory(this.store, registrationsProjection, {});
    const services = (model.all(SERVICES) as unknown as RegistrationDoc[])
      .filter((doc) => doc.status === 'REGISTERED')
      .sort((a, b) => a.serviceId.localeCompare(b.serviceId));

    const expired: ExpiryEntry[] = [];
    const reminded: ReminderEntry[] = [];
    const skipped: { serviceId: string; code: string }[] = [];

    for (const doc of services.filter((service) => service.validUntil < asOf)) {
      const commandId = deriveCommandId('expire-registration', doc.serviceId, doc.validUntil);
      const outcome = await this.send(
        () => new ExpireRegistrationCommand(doc.serviceId, asOf, this.metadata(context, commandId, asOf)),
      );
      if ('code' in outcome) {
        skipped.push({ serviceId: doc.serviceId, code: outcome.code });
        continue;
      }
      const event = outcome.events.find((e) => e.type === 'RegistrationExpired');
      if (event === undefined) continue;
      const entry: ExpiryEntry = {
        serviceId: doc.serviceId,
        registrationNumber: doc.registrationNumber,
        validUntil: event.data.validUntil,
        expiredOn: event.data.expiredOn,
        alreadyRecorded: outcome.replayed,
      };
      expired.push(entry);
      if (!entry.alreadyRecorded) await context.afterExpiry?.(entry);
    }

    for (const doc of services) {
      const daysBefore = dueRenewalReminder(doc.validUntil, asOf);
      if (daysBefore === null) continue;
      const commandId = deriveCommandId(
        'renewal-reminder',
        doc.serviceId,
        doc.validUntil,
        String(daysBefore),
      );
      const outcome = await this.send(
        () =>
          new RemindRenewalDeadlineCommand(
            doc.serviceId,
            daysBefore,
            asOf,
            this.metadata(context, commandId, asOf),
          ),
      );
      if ('code' in outcome) {
        // Sent already (the nearer threshold, or this one by another run): not news, not a problem.
        if (outcome.code !== 'REMINDER.ALREADY_SENT')
          skipped.push({ serviceId: doc.serviceId, code: outcome.code });
        continue;
      }
      if (!outcome.events.some((e) => e.type === 'RenewalReminderIssued')) continue;
      reminded.push({
        serviceId: doc.serviceId,
        registrationNumber: doc.registrationNumber,
        validUntil: doc.validUntil,
        daysBefore,
        alreadyRecorded: outcome.replayed,
      });
    }
    return { asOf, expired, reminded, skipped };
  }

  private metadata(context: SweepContext, commandId: string, occurredOn: string): CommandMetadata {
    return {
      commandId,
      actor: context.actor ?? JOB_ACTOR,
      correlationId: context.correlationId,
      causationId: context.causationId,
      occurredOn,
      now: (context.now ?? new Date()).toISOString(),
    };
  }

  /** Sends a command; a rule refusal is an outcome, a concurrent append is retried (and then found recorded). */
  private async send(
    command: () => ExpireRegistrationCommand | RemindRenewalDeadlineCommand,
  ): Promise<CommandResult<ServiceEvent> | { code: string }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.commandBus.execute<
          ExpireRegistrationCommand | RemindRenewalDeadlineCommand,
          CommandResult<ServiceEvent>
        >(command());
      } catch (error) {
        if (error instanceof DomainError) return { code: error.code };
        // Another sweep appended first: the stream moved, or the same derived event ids arrived with other
        // metadata. Either way the next attempt reads the stream and finds the command already handled.
        const raced = error instanceof WrongExpectedVersionError || error instanceof EventIdConflictError;
        if (raced && attempt < CONFLICT_ATTEMPTS) continue;
        throw error;
      }
    }
  }
}
