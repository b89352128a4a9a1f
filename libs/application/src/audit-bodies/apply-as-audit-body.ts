import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { OrganisationType } from '@ismap/domain';
import { auditBodyDecider, auditBodyIdFor, auditBodyStreamName } from '@ismap/domain';
import { EVENT_STORE, type EventStore } from '@ismap/event-store';
import type { CommandMetadata } from '../commands/command-metadata';
import { handleCommand, type CommandResult } from '../commands/handle-command';

export class ApplyAsAuditBodyCommand {
  constructor(
    readonly data: {
      readonly name: string;
      readonly corporateNumber: string;
      readonly organisationType: OrganisationType;
    },
    readonly metadata: CommandMetadata,
  ) {}
}

export interface ApplyAsAuditBodyResult extends CommandResult<unknown> {
  readonly auditBodyId: string;
}

@CommandHandler(ApplyAsAuditBodyCommand)
export class ApplyAsAuditBodyHandler implements ICommandHandler<
  ApplyAsAuditBodyCommand,
  ApplyAsAuditBodyResult
> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ data, metadata }: ApplyAsAuditBodyCommand): Promise<ApplyAsAuditBodyResult> {
    const auditBodyId = auditBodyIdFor(data.corporateNumber);
    const result = await handleCommand(
      this.store,
      auditBodyStreamName(auditBodyId),
      auditBodyDecider,
      { type: 'ApplyAsAuditBody', data: { auditBodyId, ...data, appliedOn: metadata.occurredOn } },
      metadata,
    );
    return { ...result, auditBodyId };
  }
}
