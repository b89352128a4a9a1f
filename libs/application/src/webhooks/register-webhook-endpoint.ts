import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { RegisterWebhookEndpoint, WebhookEvent } from '@ismap/domain';
import { webhookEndpointDecider, webhookStreamName } from '@ismap/domain';
import { EVENT_STORE, deriveEventId, type EventStore } from '@ismap/event-store';
import type { CommandMetadata } from '../commands/command-metadata';
import { handleCommand, type CommandResult } from '../commands/handle-command';

/** The endpoint's id derives from the command id, so a retried registration addresses the same endpoint. */
export function webhookIdFor(commandId: string): string {
  return deriveEventId(`${commandId}:webhook`, 0);
}

export class RegisterWebhookEndpointCommand {
  constructor(
    readonly data: RegisterWebhookEndpoint['data'],
    readonly metadata: CommandMetadata,
  ) {}
}

export interface RegisterWebhookEndpointResult extends CommandResult<WebhookEvent> {
  readonly webhookId: string;
}

@CommandHandler(RegisterWebhookEndpointCommand)
export class RegisterWebhookEndpointHandler implements ICommandHandler<
  RegisterWebhookEndpointCommand,
  RegisterWebhookEndpointResult
> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ data, metadata }: RegisterWebhookEndpointCommand): Promise<RegisterWebhookEndpointResult> {
    const result = await handleCommand(
      this.store,
      webhookStreamName(data.webhookId),
      webhookEndpointDecider,
      { type: 'RegisterWebhookEndpoint', data },
      metadata,
    );
    return { ...result, webhookId: data.webhookId };
  }
}
