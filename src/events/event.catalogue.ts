/**
 * The events this service tells the outside world (webhooks; the AsyncAPI document at /asyncapi.json
 * is generated from this list, and the outbox writer only writes types named here). Each entry says
 * what happened, whose it is, and the JSON Schema of its own fields. Values that are secrets (a
 * password, a token, a hash) are never among them; a user's changed fields are told by name only.
 */
type JsonSchema = Record<string, unknown>;

const uuid = { type: 'string', format: 'uuid' };
const role = { type: 'string', enum: ['admin', 'moderator', 'user'] };
const fields = (properties: Record<string, JsonSchema>): JsonSchema => ({
  type: 'object',
  additionalProperties: false,
  required: Object.keys(properties),
  properties,
});

/** The user fields whose change is told as user.updated (role, status and password have events of their own). */
export const PROFILE_FIELDS = ['username', 'email', 'firstName', 'lastName', 'phone', 'emailVerified'] as const;

export interface EventDefinition {
  readonly summary: string;
  /** `user`: the subject is the user id, and events of one user are numbered in order (sequence). */
  readonly subject: 'user' | 'none';
  /** The event's own fields (beside id, subject, sequence and actor), as JSON Schema. */
  readonly data: JsonSchema;
  /** False for events a webhook cannot subscribe to (webhook.test goes to the endpoint tested only). */
  readonly subscribable: boolean;
}

export const EVENT_CATALOGUE = {
  'user.created': {
    summary: 'A user account was created: a sign-up, an admin, or an operator command.',
    subject: 'user',
    data: fields({
      username: { type: 'string' },
      email: { type: 'string', format: 'email' },
      firstName: { type: 'string' },
      lastName: { type: 'string' },
      role,
      isActive: { type: 'boolean' },
      emailVerified: { type: 'boolean' },
    }),
    subscribable: true,
  },
  'user.updated': {
    summary: 'Profile fields of a user changed. Only their names are told: read the user for the values.',
    subject: 'user',
    data: fields({ fields: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', enum: [...PROFILE_FIELDS] } } }),
    subscribable: true,
  },
  'user.deleted': { summary: 'A user was deleted; their sessions ended with it.', subject: 'user', data: fields({}), subscribable: true },
  'user.role_changed': { summary: "A user's role changed.", subject: 'user', data: fields({ from: role, to: role }), subscribable: true },
  'user.activated': { summary: 'A user may sign in again.', subject: 'user', data: fields({}), subscribable: true },
  'user.deactivated': { summary: 'A user may no longer sign in; their sessions ended.', subject: 'user', data: fields({}), subscribable: true },
  'user.email_verified': { summary: "A user confirmed their address with the mailed link.", subject: 'user', data: fields({}), subscribable: true },
  'user.email_changed': {
    summary: 'A user now has another e-mail address (confirmed by its owner, or set by an admin).',
    subject: 'user',
    data: fields({ verified: { type: 'boolean' }, byAdmin: { type: 'boolean' } }),
    subscribable: true,
  },
  'user.email_change_requested': { summary: 'A user asked to change their address; it applies once the link mailed to the new one is used.', subject: 'user', data: fields({}), subscribable: true },
  'user.email_verification_requested': { summary: 'A user asked for a new verification link.', subject: 'user', data: fields({}), subscribable: true },
  'user.password_reset_requested': { summary: "A reset link was mailed to a user's address.", subject: 'user', data: fields({}), subscribable: true },
  'user.password_changed': {
    summary: "A user's password was set: by themselves, an admin, a reset link, or an operator command. Their other sessions ended.",
    subject: 'user',
    data: fields({ via: { type: 'string', enum: ['self', 'admin', 'reset', 'operator'] } }),
    subscribable: true,
  },
  'session.created': {
    summary: 'A user signed in: a new session.',
    subject: 'user',
    data: fields({ sessionId: uuid, method: { type: 'string', enum: ['password', 'mfa', 'passkey'] } }),
    subscribable: true,
  },
  'session.revoked': {
    summary: 'A session ended before its expiry, with the reason.',
    subject: 'user',
    data: fields({ sessionId: uuid, reason: { type: 'string', enum: ['logout', 'revoked', 'password_changed', 'password_reset', 'deactivated', 'user_deleted', 'refresh_reuse', 'mfa_reset'] } }),
    subscribable: true,
  },
  'auth.refresh_reuse_detected': {
    summary: 'A refresh token was used twice (it leaked): its session was ended.',
    subject: 'user',
    data: fields({ sessionId: uuid }),
    subscribable: true,
  },
  'webhook.disabled': {
    summary: 'A webhook endpoint was disabled: it answered 410 Gone, or failed every delivery for days. An admin re-enables it.',
    subject: 'none',
    data: fields({ webhookId: uuid, host: { type: 'string', description: "The endpoint URL's host (the URL itself may hold a token)." }, reason: { type: 'string', enum: ['gone', 'failing'] } }),
    subscribable: true,
  },
  'webhook.test': {
    summary: 'Sent by POST /v1/webhooks/{id}/test to that endpoint only, to check it receives and verifies deliveries.',
    subject: 'none',
    data: fields({ webhookId: uuid }),
    subscribable: false,
  },
} as const satisfies Record<string, EventDefinition>;

export type EventType = keyof typeof EVENT_CATALOGUE;

export const EVENT_TYPES = Object.keys(EVENT_CATALOGUE) as EventType[];

/** The types a webhook may subscribe to. */
export const SUBSCRIBABLE_EVENT_TYPES = EVENT_TYPES.filter((type) => EVENT_CATALOGUE[type].subscribable);

export function isEventType(value: string): value is EventType {
  return Object.prototype.hasOwnProperty.call(EVENT_CATALOGUE, value);
}

/** The fields every event carries in `data` beside its own (an event's own fields may not use these names). */
export const ENVELOPE_FIELDS = {
  id: { ...uuid, description: 'Unique per event; also the webhook-id header, the same on every retry: deduplicate on it.' },
  subject: { type: ['string', 'null'], format: 'uuid', description: 'The user the event is about (null for events about no user).' },
  sequence: {
    type: ['integer', 'null'],
    minimum: 1,
    description: "The event's place among its subject's events: 1, 2, 3... without gaps, in the order they committed. Order by it; null without a subject.",
  },
  actor: { type: ['string', 'null'], format: 'uuid', description: 'The user who made it happen; null for an anonymous caller (a sign-up, a login) or the system.' },
} as const;
