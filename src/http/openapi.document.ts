import { packageInfo } from '../platform/package-info';
import { validationMetadatasToSchemas } from 'class-validator-jsonschema';
import '../auth/auth.inputs';
import '../users/user.inputs';
import { AUDIT_LIST_PARAMS, PAGE_PARAMS } from '../audit/audit-log.presenter';
import { type ParamSpec, paramSchema } from './query-params';
import { USER_LIST_PARAMS } from '../users/user-list.query';
import { userOpenApiSchema } from '../users/user-view.openapi';
import { mfaOpenApiPaths, mfaOpenApiSchemas } from '../mfa/mfa.openapi';
import { operationOfRoute, operations, rateCategoryOf, treatsSignedInDifferently } from '../context/operation.table';
import { passkeyPaths, passkeySchemas } from '../mfa/passkeys.openapi';
import { accountEmailPaths, accountEmailSchemas } from '../account/account-email.openapi';
import { webhookPaths, webhookSchemas } from '../webhooks/webhook.openapi';

type Json = Record<string, unknown>;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json) => ({ 'application/json': { schema } });
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });
const body = (name: string, required = true) => ({ required, content: { 'application/json': { schema: ref(name) } } });
const idParam = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string', format: 'uuid' } });
const queryParams = (spec: ParamSpec) => Object.entries(spec).map(([name, kind]) => ({ name, in: 'query', required: false, schema: paramSchema(kind) }));

const ETAG = { ETag: { description: 'The user\'s version as a strong entity tag, e.g. "3".', schema: { type: 'string' } } };
const IF_MATCH = {
  name: 'If-Match',
  in: 'header',
  required: false,
  description: 'Only if the user is still at one of these versions (entity tags from ETag; * for any). Required (428 without it, or with *) only when the server sets REQUIRE_IF_MATCH=true.',
  schema: { type: 'string' },
};
const userAnswer = (description: string) => ({ description, headers: ETAG, content: json(ref('User')) });
const PRECONDITION_FAILED = {
  '412': problem('If-Match named another version: the user changed since it was read.'),
  '428': problem('No If-Match naming a version, on a server that requires one (REQUIRE_IF_MATCH=true).'),
};

const COMMON_ERRORS = {
  '400': problem('Malformed JSON, wrong content type or malformed id.'),
  '401': problem('Missing, invalid or revoked bearer token.'),
  '429': problem('Rate limit exceeded; see Retry-After.'),
};

/**
 * Request body schemas come from the same class-validator classes the services validate with, and
 * query parameters from the same specs the routes parse with, so the description cannot drift.
 */
function inputSchemas(): Record<string, Json> {
  const schemas = validationMetadatasToSchemas({ refPointerPrefix: '#/components/schemas/' }) as Record<string, Json>;
  for (const schema of Object.values(schemas)) {
    schema.additionalProperties = false;
    const properties = (schema.properties ?? {}) as Record<string, Json>;
    if (properties.phone) properties.phone = { ...properties.phone, type: ['string', 'null'] };
    // The rule is code (src/platform/validation/email/email.address.ts), which the schema generator cannot read.
    if (properties.email) properties.email = { type: 'string', format: 'idn-email', maxLength: 254, description: EMAIL_RULE };
    for (const name of ['password', 'newPassword']) {
      if (properties[name]) properties[name] = { ...properties[name], minLength: 8, description: 'Upper- and lower-case letters, a digit and a special character.' };
    }
  }
  return schemas;
}

const EMAIL_RULE =
  'International addresses are accepted; quoted local parts, address literals, invisible characters and local parts mixing scripts are not. Unique among live users however spelt (case, Unicode form, punycode domain).';

const userSchema: Json = userOpenApiSchema();

const paginationSchema: Json = {
  type: 'object',
  required: ['page', 'limit', 'total', 'totalPages'],
  properties: { page: { type: 'integer' }, limit: { type: 'integer' }, total: { type: 'integer' }, totalPages: { type: 'integer' } },
};

const outputSchemas: Record<string, Json> = {
  User: userSchema,
  UserPage: { type: 'object', required: ['data', 'pagination'], properties: { data: { type: 'array', items: ref('User') }, pagination: ref('Pagination') } },
  Pagination: paginationSchema,
  TokenPair: {
    type: 'object',
    required: ['accessToken', 'refreshToken', 'tokenType', 'expiresIn'],
    properties: { accessToken: { type: 'string' }, refreshToken: { type: 'string' }, tokenType: { const: 'Bearer' }, expiresIn: { type: 'integer' } },
  },
  Validation: {
    type: 'object',
    properties: {
      valid: { const: true },
      user: { type: 'object', properties: { id: { type: 'string', format: 'uuid' }, username: { type: 'string' }, role: { type: 'string' } } },
      sessionId: { type: 'string', format: 'uuid' },
      expiresAt: { type: 'string', format: 'date-time' },
    },
  },
  Session: {
    type: 'object',
    properties: {
      id: { type: 'string', format: 'uuid' },
      ipAddress: { type: 'string' },
      userAgent: { type: 'string' },
      createdAt: { type: 'string', format: 'date-time' },
      lastUsedAt: { type: 'string', format: 'date-time' },
      expiresAt: { type: 'string', format: 'date-time' },
    },
  },
  AuditLog: {
    type: 'object',
    properties: {
      id: { type: 'string', format: 'uuid' },
      userId: { type: ['string', 'null'], format: 'uuid' },
      action: { type: 'string' },
      entityType: { type: 'string' },
      entityId: { type: ['string', 'null'], format: 'uuid' },
      oldValues: { type: ['object', 'null'] },
      newValues: { type: ['object', 'null'] },
      ipAddress: { type: 'string' },
      createdAt: { type: 'string', format: 'date-time' },
    },
  },
  AuditPage: { type: 'object', required: ['data', 'pagination'], properties: { data: { type: 'array', items: ref('AuditLog') }, pagination: ref('Pagination') } },
  Problem: {
    type: 'object',
    description: 'RFC 9457 problem details.',
    required: ['type', 'title', 'status', 'detail'],
    properties: {
      type: { type: 'string' },
      title: { type: 'string' },
      status: { type: 'integer' },
      detail: { type: 'string' },
      instance: { type: 'string' },
      requestId: { type: 'string' },
      field: { type: 'string', description: 'The conflicting field, on 409.' },
      retryAfter: { type: 'integer', description: 'Seconds, on 429.' },
      code: { type: 'string', description: 'REAUTHENTICATION_REQUIRED, on a 401 that asks for a recent sign-in.' },
      errors: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } } },
    },
  },
};

const secured = [{ bearerAuth: [] }];

/**
 * What the operation table says of a route: who may call it (as the security requirement and
 * x-required-role), the rate-limit bucket it spends from, and the audit actions it may record.
 */
function operationFacts(method: string, path: string): Json {
  const name = operationOfRoute(method, path.replace(/\{(\w+)\}/g, ':$1'));
  if (!name) throw new Error(`${method.toUpperCase()} ${path} is missing from the operation table.`);
  const { requires, audit } = operations[name];
  // Anonymous callers are welcome; one that a token changes (sign-up vs. an admin's create) takes it optionally.
  const security = requires !== 'anyone' ? secured : treatsSignedInDifferently(name) ? [{}, ...secured] : [];
  return {
    security,
    'x-required-role': requires,
    'x-rate-limit-bucket': { anonymous: rateCategoryOf(name, false), signedIn: rateCategoryOf(name, true) },
    'x-audit-actions': audit,
  };
}

function withOperationFacts(paths: Record<string, Record<string, unknown>>): Record<string, Json> {
  return Object.fromEntries(
    Object.entries(paths).map(([path, item]) => [
      path,
      Object.fromEntries(Object.entries(item).map(([key, value]) => [key, key === 'parameters' ? value : { ...(value as Json), ...operationFacts(key, path) }])),
    ]),
  );
}

/** The OpenAPI 3.1 description of every /v1 route. */
export function buildOpenApiDocument(): Json {
  return {
    openapi: '3.1.0',
    info: {
      title: 'User Management API',
      version: packageInfo.version,
      description: 'REST /v1 for older clients. The same services also answer GraphQL at /graphql.',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { ...inputSchemas(), ...outputSchemas, ...mfaOpenApiSchemas, ...passkeySchemas, ...accountEmailSchemas, ...webhookSchemas },
    },
    paths: withOperationFacts({
      '/v1/users': {
        post: {
          summary: 'Sign up (no token) or create an account (admin)',
          requestBody: body('CreateUserInput'),
          responses: {
            '201': { description: 'Created', headers: { Location: { schema: { type: 'string' } }, ...ETAG }, content: json(ref('User')) },
            '403': problem('Sign-up disabled, or role/status fields without admin.'),
            '409': problem('Username or email taken (any letter case).'),
            '413': problem('Body over the size limit.'),
            '422': problem('Fields failing validation, or unknown fields.'),
            ...COMMON_ERRORS,
          },
        },
        get: {
          summary: 'List users (moderator, admin)',
          parameters: queryParams(USER_LIST_PARAMS),
          responses: { '200': { description: 'A page of users', content: json(ref('UserPage')) }, '403': problem('Needs moderator or admin.'), '422': problem('Bad parameters.'), ...COMMON_ERRORS },
        },
      },
      '/v1/users/{id}': {
        parameters: [idParam('id')],
        get: {
          summary: 'Fetch a user',
          responses: { '200': userAnswer('The user'), '404': problem('Missing, deleted, or not yours to see.'), ...COMMON_ERRORS },
        },
        put: {
          summary: 'Replace the profile',
          parameters: [IF_MATCH],
          requestBody: body('ReplaceUserInput'),
          responses: { '200': userAnswer('Updated'), '403': problem('Not allowed for these fields.'), '404': problem('Not found.'), '409': problem('Taken, or it would remove the last active admin.'), ...PRECONDITION_FAILED, '422': problem('Invalid.'), ...COMMON_ERRORS },
        },
        patch: {
          summary: 'Change some fields (JSON merge patch; phone: null clears)',
          parameters: [IF_MATCH],
          requestBody: { required: true, content: { 'application/json': { schema: ref('UpdateUserInput') }, 'application/merge-patch+json': { schema: ref('UpdateUserInput') } } },
          responses: { '200': userAnswer('Updated'), '403': problem('Not allowed for these fields.'), '404': problem('Not found.'), '409': problem('Taken, or it would remove the last active admin.'), ...PRECONDITION_FAILED, '422': problem('Invalid.'), ...COMMON_ERRORS },
        },
        delete: {
          summary: 'Soft-delete the user and end their sessions',
          parameters: [IF_MATCH],
          responses: { '204': { description: 'Deleted' }, '403': problem('Not allowed.'), '404': problem('Not found.'), '409': problem('The last active admin cannot be deleted.'), ...PRECONDITION_FAILED, ...COMMON_ERRORS },
        },
      },
      '/v1/users/{id}/password': {
        parameters: [idParam('id')],
        post: {
          summary: "Change a password; ends the user's other sessions",
          requestBody: body('ChangePasswordInput'),
          responses: { '204': { description: 'Changed' }, '403': problem('Not allowed.'), '404': problem('Not found.'), '422': problem('Wrong current password, weak or reused new one.'), ...COMMON_ERRORS },
        },
      },
      '/v1/users/{id}/sessions': {
        parameters: [idParam('id')],
        get: {
          summary: "A user's live sessions (owner, admin)",
          responses: { '200': { description: 'Sessions', content: json({ type: 'object', properties: { data: { type: 'array', items: ref('Session') } } }) }, '403': problem('Not allowed.'), '404': problem('Not found.'), ...COMMON_ERRORS },
        },
      },
      '/v1/users/{id}/sessions/{sessionId}': {
        parameters: [idParam('id'), idParam('sessionId')],
        delete: {
          summary: 'End one session (owner, admin)',
          responses: { '204': { description: 'Ended' }, '403': problem('Not allowed.'), '404': problem('Not found.'), ...COMMON_ERRORS },
        },
      },
      '/v1/users/{id}/audit-logs': {
        parameters: [idParam('id')],
        get: {
          summary: 'Audit entries where the user acted (admin)',
          parameters: queryParams(PAGE_PARAMS),
          responses: { '200': { description: 'A page of entries', content: json(ref('AuditPage')) }, '403': problem('Needs admin.'), '422': problem('Bad parameters.'), ...COMMON_ERRORS },
        },
      },
      '/v1/audit-logs': {
        get: {
          summary: 'The audit trail (admin)',
          parameters: queryParams(AUDIT_LIST_PARAMS),
          responses: { '200': { description: 'A page of entries', content: json(ref('AuditPage')) }, '403': problem('Needs admin.'), '422': problem('Bad parameters.'), ...COMMON_ERRORS },
        },
      },
      '/v1/auth/login': {
        post: {
          summary: 'Log in with username or email',
          requestBody: body('LoginInput'),
          responses: { '200': { description: 'Tokens; or, with MFA on, the challenge of the second step (no tokens)', content: json({ oneOf: [ref('TokenPair'), ref('MfaChallenge')] }) }, '422': problem('Missing fields.'), ...COMMON_ERRORS, '401': problem('Invalid username or password (one answer for every cause).'), '429': problem('Too many failures or requests; see Retry-After.') },
        },
      },
      '/v1/auth/refresh': {
        post: {
          summary: 'Rotate a refresh token into a new pair',
          requestBody: body('RefreshTokenInput'),
          responses: { '200': { description: 'Tokens', content: json(ref('TokenPair')) }, '422': problem('Missing token.'), ...COMMON_ERRORS },
        },
      },
      '/v1/auth/logout': {
        post: { summary: 'End the current session', responses: { '204': { description: 'Logged out' }, ...COMMON_ERRORS } },
      },
      '/v1/auth/logout-all': {
        post: {
          summary: 'End every session of the caller',
          responses: { '200': { description: 'How many ended', content: json({ type: 'object', properties: { sessionsEnded: { type: 'integer' } } }) }, ...COMMON_ERRORS },
        },
      },
      '/v1/auth/validate': {
        get: { summary: 'Check a bearer token (for gateways)', responses: { '200': { description: 'Valid', content: json(ref('Validation')) }, ...COMMON_ERRORS } },
      },
      ...mfaOpenApiPaths,
      ...passkeyPaths,
      ...accountEmailPaths,
      ...webhookPaths,
    }),
  };
}
