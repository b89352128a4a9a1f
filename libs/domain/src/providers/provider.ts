import { DomainError } from '../shared/domain-error';
import type { Command, CommandContext, Decider, DomainEvent } from '../shared/messages';
import { assertNever } from '../shared/messages';
import { isCorporateNumber } from './corporate-number';

export const providerStreamName = (providerId: string): string => `provider-${providerId}`;

export type RegisterProvider = Command<
  'RegisterProvider',
  { providerId: string; name: string; corporateNumber: string }
>;
export type ProviderCommand = RegisterProvider;

export type ProviderRegistered = DomainEvent<
  'ProviderRegistered',
  { providerId: string; name: string; corporateNumber: string; registeredOn: string }
>;
export type ProviderEvent = ProviderRegistered;

export type ProviderState =
  | { readonly status: 'none' }
  | {
      readonly status: 'registered';
      readonly providerId: string;
      readonly name: string;
      readonly corporateNumber: string;
    };

export const providerDecider: Decider<ProviderCommand, ProviderEvent, ProviderState> = {
  initialState: () => ({ status: 'none' }),

  decide(command, state, context: CommandContext) {
    switch (command.type) {
      case 'RegisterProvider': {
        if (state.status !== 'none') {
          throw new DomainError(
            'PROVIDER.ALREADY_REGISTERED',
            `A provider with corporate number ${command.data.corporateNumber} is already registered`,
            'conflict',
            { providerId: state.providerId },
          );
        }
        const name = command.data.name.trim();
        if (name.length === 0) throw new DomainError('PROVIDER.NAME_REQUIRED', 'The provider name is empty');
        if (!isCorporateNumber(command.data.corporateNumber)) {
          throw new DomainError(
            'PROVIDER.CORPORATE_NUMBER_INVALID',
            'The corporate number fails its check digit',
          );
        }
        return [
          {
            type: 'ProviderRegistered',
            data: {
              providerId: command.data.providerId,
              name,
              corporateNumber: command.data.corporateNumber,
              registeredOn: context.occurredOn,
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
      case 'ProviderRegistered':
        return {
          status: 'registered',
          providerId: event.data.providerId,
          name: event.data.name,
          corporateNumber: event.data.corporateNumber,
        };
      default:
        return assertNever(event.type);
    }
  },
};

/**
 * A provider's id is derived from its corporate number, so the store's `no_stream` check makes the corporate
 * number unique even under concurrent registrations.
 */
export const providerIdFor = (corporateNumber: string): string => `P${corporateNumber}`;
