import { randomUUID } from 'node:crypto';
import { ArrayType, Entity, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

/** Why an endpoint stopped receiving: an admin said so, it answered 410 Gone, or it failed for days. */
export type WebhookDisabledReason = 'admin' | 'gone' | 'failing';

/**
 * Where events are POSTed (an admin registers it), which types it wants, and its signing secret,
 * sealed at rest (AES-256-GCM under MFA_ENCRYPTION_KEY: the receiver needs the secret itself, so it
 * cannot be hashed). After a rotation the previous secret keeps signing until it expires.
 */
@Entity({ tableName: 'webhook_endpoints' })
@Index({ name: 'webhook_endpoints_created_at_idx', properties: ['createdAt'] })
export class WebhookEndpoint {
  [OptionalProps]?: 'description' | 'enabled' | 'disabledReason' | 'previousSecretSealed' | 'previousSecretExpiresAt' | 'createdBy' | 'createdAt' | 'updatedAt' | 'lastSuccessAt' | 'failingSince';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'text' })
  url!: string;

  @Property({ type: 'text', nullable: true })
  description: string | null = null;

  /** Catalogue types (src/events/event.catalogue.ts) it is sent. */
  @Property({ type: ArrayType, columnType: 'text[]' })
  events!: string[];

  @Property({ type: 'boolean' })
  enabled: boolean = true;

  @Property({ type: 'text', nullable: true })
  disabledReason: WebhookDisabledReason | null = null;

  @Property({ type: 'text', hidden: true })
  secretSealed!: string;

  @Property({ type: 'text', nullable: true, hidden: true })
  previousSecretSealed: string | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  previousSecretExpiresAt: Date | null = null;

  /** The admin who registered it. */
  @Property({ type: 'uuid', nullable: true })
  createdBy: string | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  /** The last 2xx answer. */
  @Property({ type: 'timestamptz', nullable: true })
  lastSuccessAt: Date | null = null;

  /** Since when every attempt failed (null after a success): days of it disable the endpoint. */
  @Property({ type: 'timestamptz', nullable: true })
  failingSince: Date | null = null;
}
