/** The OpenAPI description of the e-mail flows; openapi.document.ts adds the operation table's facts. */
type Json = Record<string, unknown>;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json) => ({ 'application/json': { schema } });
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });
const body = (schema: Json) => ({ required: true, content: json(schema) });

const TOKEN = { type: 'string', maxLength: 128, description: 'The `token` parameter of the mailed link.' };
const LINK_ERRORS = {
  '400': problem('The link is not valid (code TOKEN_INVALID), was used already (TOKEN_USED), or expired or was replaced by a newer one (TOKEN_EXPIRED).'),
  '422': problem('Missing or malformed fields.'),
  '429': problem('Rate limit exceeded; see Retry-After.'),
};
const result = (description: string) => ({ description, content: json(ref('AccountEmailResult')) });

const QUEUE = { name: 'queue', in: 'path', required: true, schema: { enum: ['mail.send', 'account.password-reset'] } };
const ADMIN_ERRORS = {
  '401': problem('Missing, invalid or revoked bearer token.'),
  '403': problem('Admins only.'),
  '422': problem('Unknown queue.'),
};

export const accountEmailSchemas: Record<string, Json> = {
  DeadLetter: {
    type: 'object',
    required: ['id', 'queue', 'createdAt', 'error'],
    properties: { id: { type: 'string' }, queue: { type: 'string' }, createdAt: { type: 'string', format: 'date-time' }, error: { type: ['string', 'null'] } },
  },
  AccountEmailResult: {
    type: 'object',
    required: ['message'],
    properties: { message: { type: 'string' }, email: { type: 'string', description: 'The address confirmed or now in use.' } },
  },
  LinkToken: { type: 'object', required: ['token'], additionalProperties: false, properties: { token: TOKEN } },
  ForgotPassword: { type: 'object', required: ['email'], additionalProperties: false, properties: { email: { type: 'string', maxLength: 320 } } },
  ResetPassword: {
    type: 'object',
    required: ['token', 'newPassword'],
    additionalProperties: false,
    properties: { token: TOKEN, newPassword: { type: 'string', minLength: 8, maxLength: 128, description: 'The same rules as any password, and not one of the last five.' } },
  },
};

export const accountEmailPaths: Record<string, Record<string, unknown>> = {
  '/v1/auth/email/verify-request': {
    post: {
      summary: "Mail a new verification link to the caller's address (older links stop working)",
      responses: {
        '202': result('On its way'),
        '401': problem('Missing, invalid or revoked bearer token.'),
        '409': problem('The address is confirmed already.'),
        '429': problem('Too many links asked for, per IP or per address; see Retry-After.'),
      },
    },
  },
  '/v1/auth/email/verify': {
    post: { summary: 'Confirm the address with the token of its link (once)', requestBody: body(ref('LinkToken')), responses: { '200': result('Confirmed'), ...LINK_ERRORS } },
  },
  '/v1/auth/email/confirm-change': {
    post: {
      summary: 'Apply an e-mail change with the token mailed to the new address',
      requestBody: body(ref('LinkToken')),
      responses: { '200': result('The new address is in use, verified'), '409': problem('Another account took the address meanwhile.'), ...LINK_ERRORS },
    },
  },
  '/v1/auth/password/forgot': {
    post: {
      summary: 'Mail a reset link if an account uses this address',
      description: 'The answer is the same, in body, status and time, whether or not the address has an account.',
      requestBody: body(ref('ForgotPassword')),
      responses: { '202': result('Accepted'), '403': problem('Password reset is disabled (PASSWORD_RESET_ENABLED=false).'), '422': problem('Missing email.'), '429': problem('Rate limit exceeded; see Retry-After.') },
    },
  },
  '/v1/jobs/{queue}/dead-letters': {
    parameters: [QUEUE],
    get: {
      summary: 'Jobs of a queue that failed for good, oldest first, without their data (admins)',
      responses: { '200': { description: 'Dead letters', content: json({ type: 'object', properties: { data: { type: 'array', items: ref('DeadLetter') } } }) }, ...ADMIN_ERRORS },
    },
  },
  '/v1/jobs/{queue}/dead-letters/{id}/retry': {
    parameters: [QUEUE, { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
    post: {
      summary: 'Send a dead letter back to its queue for a fresh set of attempts (admins)',
      responses: { '202': { description: 'Queued again', content: json({ type: 'object', properties: { jobId: { type: 'string' } } }) }, '404': problem('No such dead letter in this queue.'), ...ADMIN_ERRORS },
    },
  },
  '/v1/auth/password/reset': {
    post: {
      summary: 'Set a new password with the token of a reset link; every session of the account ends',
      requestBody: body(ref('ResetPassword')),
      responses: { '200': result('Changed'), ...LINK_ERRORS, '422': problem('The new password breaks a rule (errors name it).') },
    },
  },
};
