/** The OpenAPI description of /v1/webhooks; openapi.document.ts adds the operation table's facts. */
import { SUBSCRIBABLE_EVENT_TYPES } from '../events/event.catalogue';
import { DELIVERY_STATUSES } from './webhook-delivery.repository';

type Json = Record<string, unknown>;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json) => ({ 'application/json': { schema } });
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });
const idParam = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string', format: 'uuid' } });
const nullable = (type: string, extra: Json = {}) => ({ type: [type, 'null'], ...extra });
const dateTime = { type: 'string', format: 'date-time' };

const ADMIN_ERRORS = {
  '400': problem('Malformed id.'),
  '401': problem('Missing, invalid or revoked bearer token.'),
  '403': problem('Admins only.'),
  '429': problem('Rate limit exceeded; see Retry-After.'),
};
const NOT_FOUND = { '404': problem('No such webhook (or delivery).') };

const EVENTS = { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', enum: SUBSCRIBABLE_EVENT_TYPES }, description: 'The catalogue at /asyncapi.json.' };
const URL_FIELD = { type: 'string', maxLength: 2048, description: 'https (http only where WEBHOOK_ALLOW_HTTP allows), no credentials; a private, loopback or link-local target is refused unless WEBHOOK_ALLOWED_HOSTS names it.' };

const webhookProperties: Record<string, Json> = {
  id: { type: 'string', format: 'uuid' },
  url: { type: 'string' },
  description: nullable('string'),
  events: { type: 'array', items: { type: 'string' } },
  enabled: { type: 'boolean' },
  disabledReason: nullable('string', { enum: ['admin', 'gone', 'failing', null] }),
  createdAt: dateTime,
  updatedAt: dateTime,
  lastSuccessAt: nullable('string', { format: 'date-time' }),
  failingSince: nullable('string', { format: 'date-time' }),
  previousSecretExpiresAt: nullable('string', { format: 'date-time', description: 'Until when the secret before the last rotation still signs too.' }),
};

export const webhookSchemas: Record<string, Json> = {
  Webhook: { type: 'object', required: Object.keys(webhookProperties), properties: webhookProperties },
  WebhookWithSecret: {
    type: 'object',
    required: [...Object.keys(webhookProperties), 'secret'],
    properties: { ...webhookProperties, secret: { type: 'string', pattern: '^whsec_[A-Za-z0-9+/]+={0,2}$', description: 'Shown this once: verify deliveries with it.' } },
  },
  WebhookDelivery: {
    type: 'object',
    required: ['id', 'webhookId', 'eventId', 'eventType', 'status', 'attempts', 'lastStatusCode', 'lastLatencyMs', 'lastError', 'lastAttemptAt', 'nextAttemptAt', 'createdAt', 'completedAt'],
    properties: {
      id: { type: 'string', format: 'uuid' },
      webhookId: { type: 'string', format: 'uuid' },
      eventId: { type: 'string', format: 'uuid', description: 'The webhook-id header of every attempt.' },
      eventType: nullable('string'),
      status: { type: 'string', enum: DELIVERY_STATUSES },
      attempts: { type: 'integer' },
      lastStatusCode: nullable('integer'),
      lastLatencyMs: nullable('integer'),
      lastError: nullable('string'),
      lastAttemptAt: nullable('string', { format: 'date-time' }),
      nextAttemptAt: nullable('string', { format: 'date-time' }),
      createdAt: dateTime,
      completedAt: nullable('string', { format: 'date-time' }),
    },
  },
  CreateWebhook: {
    type: 'object',
    required: ['url', 'events'],
    additionalProperties: false,
    properties: { url: URL_FIELD, events: EVENTS, description: nullable('string', { maxLength: 500 }) },
  },
  UpdateWebhook: {
    type: 'object',
    additionalProperties: false,
    properties: { url: URL_FIELD, events: EVENTS, description: nullable('string', { maxLength: 500 }), enabled: { type: 'boolean', description: 'true also resumes an endpoint the server disabled.' } },
  },
};

export const webhookPaths: Record<string, Record<string, unknown>> = {
  '/v1/webhooks': {
    post: {
      summary: 'Register a webhook endpoint; its signing secret is in the answer, this once (admins)',
      requestBody: { required: true, content: json(ref('CreateWebhook')) },
      responses: { '201': { description: 'Registered', headers: { Location: { schema: { type: 'string' } } }, content: json(ref('WebhookWithSecret')) }, '422': problem('Invalid or refused URL, unknown event types.'), ...ADMIN_ERRORS },
    },
    get: {
      summary: 'Every webhook endpoint, newest first (admins)',
      responses: { '200': { description: 'Endpoints', content: json({ type: 'object', required: ['data'], properties: { data: { type: 'array', items: ref('Webhook') } } }) }, ...ADMIN_ERRORS },
    },
  },
  '/v1/webhooks/{id}': {
    parameters: [idParam('id')],
    get: { summary: 'One webhook endpoint (admins)', responses: { '200': { description: 'The endpoint', content: json(ref('Webhook')) }, ...NOT_FOUND, ...ADMIN_ERRORS } },
    patch: {
      summary: 'Change a webhook endpoint; enabled: true resumes one the server disabled (admins)',
      requestBody: { required: true, content: json(ref('UpdateWebhook')) },
      responses: { '200': { description: 'Changed', content: json(ref('Webhook')) }, '422': problem('Invalid fields.'), ...NOT_FOUND, ...ADMIN_ERRORS },
    },
    delete: { summary: 'Delete a webhook endpoint and its deliveries (admins)', responses: { '204': { description: 'Deleted' }, ...NOT_FOUND, ...ADMIN_ERRORS } },
  },
  '/v1/webhooks/{id}/rotate-secret': {
    parameters: [idParam('id')],
    post: {
      summary: 'A new signing secret, answered this once; the previous one keeps signing for 24 hours (admins)',
      responses: { '200': { description: 'Rotated', content: json(ref('WebhookWithSecret')) }, ...NOT_FOUND, ...ADMIN_ERRORS },
    },
  },
  '/v1/webhooks/{id}/deliveries': {
    parameters: [idParam('id')],
    get: {
      summary: "A webhook's deliveries, newest first: status, attempts, last response code and latency (admins)",
      parameters: [
        { name: 'status', in: 'query', required: false, schema: { type: 'string', enum: DELIVERY_STATUSES } },
        { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 100, default: 50 } },
      ],
      responses: { '200': { description: 'Deliveries', content: json({ type: 'object', required: ['data'], properties: { data: { type: 'array', items: ref('WebhookDelivery') } } }) }, '422': problem('Bad parameters.'), ...NOT_FOUND, ...ADMIN_ERRORS },
    },
  },
  '/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver': {
    parameters: [idParam('id'), idParam('deliveryId')],
    post: {
      summary: 'Send a finished delivery again: the same event and webhook-id, a fresh set of retries (admins)',
      responses: { '202': { description: 'Scheduled', content: json(ref('WebhookDelivery')) }, '409': problem('Still pending or being sent, or its event is no longer kept.'), ...NOT_FOUND, ...ADMIN_ERRORS },
    },
  },
  '/v1/webhooks/{id}/test': {
    parameters: [idParam('id')],
    post: {
      summary: 'Send a webhook.test event to this endpoint only (admins)',
      responses: { '202': { description: 'Scheduled', content: json(ref('WebhookDelivery')) }, '409': problem('The endpoint is disabled.'), ...NOT_FOUND, ...ADMIN_ERRORS },
    },
  },
};
