import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { IsNotEmpty, IsOptional, IsString, MaxLength, validateSync } from 'class-validator';

/** Every job payload carries the correlation id of the event or request that caused it, into every command. */
export abstract class JobPayload {
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  correlationId!: string;

  /** The event id (or job id) that caused this job. */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  causationId?: string;
}

export class InvalidJobPayloadError extends Error {
  constructor(
    readonly payloadType: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid ${payloadType} payload: ${problems.join('; ')}`);
    this.name = 'InvalidJobPayloadError';
  }
}

/**
 * Validates a payload with class-validator on both ends: before it is queued (`toJobData`) and when a worker
 * takes it (`fromJobData`). Unknown fields are refused, not dropped.
 */
export function fromJobData<T extends object>(type: ClassConstructor<T>, data: unknown): T {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new InvalidJobPayloadError(type.name, ['payload must be an object']);
  }
  const instance = plainToInstance(type, data);
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) {
    throw new InvalidJobPayloadError(
      type.name,
      errors.flatMap((e) => Object.values(e.constraints ?? { [e.property]: `${e.property} is invalid` })),
    );
  }
  return instance;
}

/** The plain object BullMQ stores, after the same validation a worker applies. */
export function toJobData<T extends object>(type: ClassConstructor<T>, payload: T): Record<string, unknown> {
  const plain = JSON.parse(JSON.stringify(payload)) as Record<string, unknown>;
  fromJobData(type, plain);
  return plain;
}
