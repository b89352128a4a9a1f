import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayNotEmpty, IsArray, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { WEBHOOK_EVENT_TYPES } from '@ismap/domain';
import { WEBHOOK_URL_MAX_LENGTH } from '@ismap/jobs';

/** The organisation is the token's; a body naming one (`org`, `actor`, …) is refused as an unknown field. */
export class RegisterWebhookDto {
  @ApiProperty({
    example: 'https://hooks.example.co.jp/ismap',
    description: 'https (http only for localhost/127.0.0.1 outside production); no credentials in the URL',
    maxLength: WEBHOOK_URL_MAX_LENGTH,
  })
  @IsString()
  @MaxLength(WEBHOOK_URL_MAX_LENGTH)
  readonly url!: string;

  @ApiPropertyOptional({
    enum: WEBHOOK_EVENT_TYPES,
    isArray: true,
    description: 'Deliver only these event types; left out: every event relevant to the organisation',
  })
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(WEBHOOK_EVENT_TYPES.length)
  @IsIn(WEBHOOK_EVENT_TYPES, { each: true })
  readonly eventTypes?: string[];
}

export class RegisterWebhookResponse {
  @ApiProperty({ example: '0b6f3c2e-7a1d-5e4f-9c8b-2d3e4f5a6b7c' }) readonly webhookId!: string;
  @ApiProperty({
    example: 'whsec_3f…',
    description: 'The signing secret, shown in this response only: store it now',
  })
  readonly secret!: string;
  @ApiProperty({ example: 'sha256:0123456789abcdef' }) readonly secretFingerprint!: string;
  @ApiProperty({ example: 0 }) readonly revision!: number;
  @ApiProperty({ example: '42' }) readonly position!: string;
}

export class WebhookEndpointView {
  @ApiProperty() readonly webhookId!: string;
  @ApiProperty() readonly url!: string;
  @ApiProperty({ type: [String], nullable: true }) readonly eventTypes!: readonly string[] | null;
  @ApiProperty() readonly secretFingerprint!: string;
  @ApiProperty({ example: '2026-11-22' }) readonly registeredOn!: string;
  @ApiProperty({ example: '42' }) readonly position!: string;
}

export class WebhookEndpointsResponse {
  @ApiProperty({ type: [WebhookEndpointView] }) readonly items!: readonly WebhookEndpointView[];
}

export class WebhookAttemptView {
  @ApiProperty() readonly attempt!: number;
  @ApiProperty({ example: '2026-11-22T03:00:00.000Z' }) readonly at!: string;
  @ApiProperty({ nullable: true, example: 503 }) readonly status!: number | null;
  @ApiProperty({ nullable: true, example: 'HTTP 503' }) readonly error!: string | null;
  @ApiProperty({ enum: ['delivered', 'retrying', 'dead-lettered'] }) readonly outcome!: string;
  @ApiProperty({ nullable: true }) readonly nextRetryAt!: string | null;
}

export class WebhookDeliveryView {
  @ApiProperty() readonly eventId!: string;
  @ApiProperty() readonly eventType!: string;
  @ApiProperty({ enum: ['delivered', 'retrying', 'dead-lettered'] }) readonly state!: string;
  @ApiProperty({ type: [WebhookAttemptView] }) readonly attempts!: readonly WebhookAttemptView[];
}

export class WebhookDeliveriesResponse {
  @ApiProperty() readonly webhookId!: string;
  @ApiProperty({ type: [WebhookDeliveryView] }) readonly items!: readonly WebhookDeliveryView[];
}
