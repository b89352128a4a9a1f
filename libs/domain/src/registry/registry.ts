import { firstRegistrationNumber, formatAuditBodyNumber } from '../rules/registration-numbers';
import { parseBusinessDate } from '../rules/business-dates';
import { DomainError } from '../shared/domain-error';
import type { Command, Decider, DomainEvent } from '../shared/messages';
import { assertNever } from '../shared/messages';

/**
 * One registry stream per numbered list. Serials are handed out by appending to it with the expected revision,
 * so concurrent rulings get distinct, gapless serials; a reservation is keyed by its subject, so a retried ruling
 * for the same application reuses its number instead of burning another (docs/adr/0004).
 */
export type RegistryList = 'ISMAP' | 'ISMAP_LIU' | 'AUDIT_BODY';

export const registryStreamName = (list: RegistryList): string => `registry-${list}`;

export type NumberReserved = DomainEvent<
  'NumberReserved',
  { list: RegistryList; serial: number; subjectId: string; reservedOn: string; number: string }
>;
export type RegistryEvent = NumberReserved;

export type ReserveNumber = Command<
  'ReserveNumber',
  { list: RegistryList; subjectId: string; reservedOn: string }
>;
export type RegistryCommand = ReserveNumber;

export interface RegistryState {
  readonly lastSerial: number;
  readonly bySubject: Readonly<Record<string, string>>;
}

export function numberFor(list: RegistryList, reservedOn: string, serial: number): string {
  switch (list) {
    case 'ISMAP':
      return firstRegistrationNumber('ISMAP', reservedOn, serial);
    case 'ISMAP_LIU':
      return firstRegistrationNumber('ISMAP-LIU', reservedOn, serial);
    case 'AUDIT_BODY':
      return formatAuditBodyNumber({ year: parseBusinessDate(reservedOn).year, serial });
    default:
      return assertNever(list);
  }
}

export const registryDecider: Decider<RegistryCommand, RegistryEvent, RegistryState> = {
  initialState: () => ({ lastSerial: 0, bySubject: {} }),
  decide(command, state) {
    switch (command.type) {
      case 'ReserveNumber': {
        if (state.bySubject[command.data.subjectId] !== undefined) return [];
        const serial = state.lastSerial + 1;
        if (serial > 9999)
          throw new DomainError('REGISTRY.FULL', `The ${command.data.list} list has no serials left`);
        return [
          {
            type: 'NumberReserved',
            data: {
              ...command.data,
              serial,
              number: numberFor(command.data.list, command.data.reservedOn, serial),
            },
          },
        ];
      }
      default:
        return assertNever(command.type);
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'NumberReserved':
        return {
          lastSerial: event.data.serial,
          bySubject: { ...state.bySubject, [event.data.subjectId]: event.data.number },
        };
      default:
        return assertNever(event.type);
    }
  },
};
