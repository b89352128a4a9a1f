import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { ProviderEvent } from '@ismap/domain';
import { providerDecider, providerIdFor, providerStreamName } from '@ismap/domain';
import { EVENT_STORE, type EventStore } from '@ismap/event-store';
import type { CommandMetadata } from '../commands/command-metadata';
import { handleCommand, type CommandResult } from '../commands/handle-command';

export class RegisterProviderCommand {
  constructor(
    readonly data: { readonly name: string; readonly corporateNumber: string },
    readonly metadata: CommandMetadata,
  ) {}
}

export interface RegisterProviderResult extends CommandResult<ProviderEvent> {
  readonly providerId: string;
}

@CommandHandler(RegisterProviderCommand)
export class RegisterProviderHandler implements ICommandHandler<
  RegisterProviderCommand,
  RegisterProviderResult
> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ data, metadata }: RegisterProviderCommand): Promise<RegisterProviderResult> {
    const providerId = providerIdFor(data.corporateNumber);
    const result = await handleCommand(
      this.store,
      providerStreamName(providerId),
      providerDecider,
      {
        type: 'RegisterProvider',
        data: { providerId, name: data.name, corporateNumber: data.corporateNumber },
      },
      metadata,
    );
    return { ...result, providerId };
  }
}
