import { IsIn, IsNotEmpty, IsString, Matches, MaxLength } from 'class-validator';
import { JobPayload } from '../job-payload';

/** Bodies larger than this are not queued (events are small; a runaway one must not fill Redis). */
export const WEBHOOK_BODY_MAX_BYTES = 256 * 1024;

/**
 * One delivery of one event to one endpoint. The body is fixed when the job is queued, so every attempt sends the
 * same bytes; only the signature (with its timestamp) is made afresh. The secret is never in the job.
 */
export class WebhookDeliveryPayload extends JobPayload {
  @IsString()
  @Matches(/^[0-9a-f-]{36}$/)
  webhookId!: string;

  @IsIn(['provider', 'auditBody'])
  organisationKind!: 'provider' | 'auditBody';

  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  organisationId!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  eventId!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  eventType!: string;

  @IsString()
  @MaxLength(2048)
  url!: string;

  @IsString()
  @MaxLength(WEBHOOK_BODY_MAX_BYTES)
  body!: string;
}
