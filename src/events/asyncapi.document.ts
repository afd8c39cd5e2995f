import { packageInfo } from '../platform/package-info';
import { ENVELOPE_FIELDS, EVENT_CATALOGUE, EVENT_TYPES, type EventType } from './event.catalogue';

type Json = Record<string, unknown>;

/** The Standard Webhooks headers every delivery carries. */
const WEBHOOK_HEADERS: Json = {
  type: 'object',
  required: ['webhook-id', 'webhook-timestamp', 'webhook-signature'],
  properties: {
    'webhook-id': { type: 'string', format: 'uuid', description: "The event's id: the same on every retry of it. Deduplicate on it." },
    'webhook-timestamp': { type: 'string', pattern: '^[0-9]+$', description: 'When this attempt was signed, in seconds since the epoch; refuse old ones (replays).' },
    'webhook-signature': {
      type: 'string',
      description:
        'Space-separated `v1,<base64>` signatures: HMAC-SHA256 of `<webhook-id>.<webhook-timestamp>.<body>` under the endpoint\'s secret (the base64 after `whsec_`). After a rotation the previous secret signs too, for 24 hours.',
    },
  },
};

/** The body of a delivery of `type`: Standard Webhooks' `{ type, timestamp, data }`. */
function payloadOf(type: EventType): Json {
  const own = EVENT_CATALOGUE[type].data as { properties: Record<string, Json>; required: string[] };
  return {
    type: 'object',
    additionalProperties: false,
    required: ['type', 'timestamp', 'data'],
    properties: {
      type: { type: 'string', const: type },
      timestamp: { type: 'string', format: 'date-time', description: 'When the event happened (its commit), not when it was sent.' },
      data: {
        type: 'object',
        additionalProperties: false,
        required: [...Object.keys(ENVELOPE_FIELDS), ...own.required],
        properties: { ...ENVELOPE_FIELDS, ...own.properties },
      },
    },
  };
}

const messageName = (type: EventType) => type.replace(/[^A-Za-z0-9]+(.)/g, (_match, next: string) => next.toUpperCase());

/** The entries of the Redis stream `audit` (fed from the same outbox): every value is a string. */
const AUDIT_ENTRY: Json = {
  type: 'object',
  required: ['id', 'action', 'entityType', 'entityId', 'userId', 'ipAddress', 'oldValues', 'newValues', 'createdAt'],
  properties: {
    id: { type: 'string', format: 'uuid', description: "The audit row's id: an entry may appear twice after a crash; deduplicate on it." },
    action: { type: 'string', description: 'e.g. user.updated, auth.login, auth.login_failed.' },
    entityType: { type: 'string' },
    entityId: { type: 'string', description: 'Empty when none.' },
    userId: { type: 'string', description: 'Who acted; empty when nobody was signed in.' },
    ipAddress: { type: 'string' },
    oldValues: { type: 'string', description: 'JSON of the changed fields before (never a secret), or null.' },
    newValues: { type: 'string', description: 'JSON of the changed fields after (never a secret), or null.' },
    createdAt: { type: 'string', format: 'date-time' },
  },
};

/**
 * The AsyncAPI 3.0 description of what this service sends: webhook deliveries, one message per
 * catalogue event (generated from src/events/event.catalogue.ts, the list the outbox writes from),
 * and the Redis stream `audit`. Served at /asyncapi.json.
 */
export function buildAsyncApiDocument(): Json {
  const messages = Object.fromEntries(
    EVENT_TYPES.map((type) => [
      messageName(type),
      {
        name: type,
        title: type,
        summary: EVENT_CATALOGUE[type].summary,
        contentType: 'application/json',
        headers: WEBHOOK_HEADERS,
        payload: payloadOf(type),
      },
    ]),
  );
  const webhookMessages = Object.fromEntries(EVENT_TYPES.map((type) => [messageName(type), { $ref: `#/components/messages/${messageName(type)}` }]));
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'User Management API events',
      version: packageInfo.version,
      description:
        "What the service tells integrators once a change has committed, from a transactional outbox: every change, at least once, and per user in order (`data.sequence`). Webhooks are managed by admins at /v1/webhooks; each delivery follows the Standard Webhooks specification (https://www.standardwebhooks.com). A failed delivery is retried with backoff for about a day, and one user's later events wait for it.",
    },
    defaultContentType: 'application/json',
    channels: {
      webhooks: {
        address: null,
        title: 'Webhook endpoints',
        description: 'POSTed to the URL of each enabled webhook subscribed to the type (an admin registers it). Answer 2xx within 10 seconds; 410 disables the endpoint.',
        messages: webhookMessages,
      },
      auditStream: {
        address: 'audit',
        title: 'Redis stream <REDIS_KEY_PREFIX>audit',
        description: 'One entry per audit row, appended after the commit (XADD, bounded to about 100 000 entries).',
        messages: { auditEntry: { $ref: '#/components/messages/auditEntry' } },
      },
    },
    operations: {
      deliverWebhook: {
        action: 'send',
        title: 'Deliver an event to a webhook',
        channel: { $ref: '#/channels/webhooks' },
        messages: EVENT_TYPES.map((type) => ({ $ref: `#/channels/webhooks/messages/${messageName(type)}` })),
      },
      publishAuditEntry: {
        action: 'send',
        title: 'Append an audit row to the stream',
        channel: { $ref: '#/channels/auditStream' },
        messages: [{ $ref: '#/channels/auditStream/messages/auditEntry' }],
      },
    },
    components: {
      messages: {
        ...messages,
        auditEntry: { name: 'audit-entry', title: 'Audit entry', summary: 'An audit row of a committed write.', payload: AUDIT_ENTRY },
      },
    },
  };
}
