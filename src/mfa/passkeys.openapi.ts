/** The OpenAPI description of /v1/auth/passkeys; openapi.document.ts adds the operation table's facts. */
type Json = Record<string, unknown>;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json) => ({ 'application/json': { schema } });
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });
const body = (schema: Json) => ({ required: true, content: json(schema) });

const ERRORS = {
  '400': problem('Malformed JSON or wrong content type.'),
  '401': problem('Missing, invalid or revoked bearer token.'),
  '429': problem('Rate limit exceeded; see Retry-After.'),
};

const CREDENTIAL = {
  type: 'object',
  description: "What the browser's PublicKeyCredential.toJSON() gives (WebAuthn Level 3).",
  required: ['id', 'rawId', 'type', 'response'],
  properties: { id: { type: 'string' }, rawId: { type: 'string' }, type: { const: 'public-key' }, response: { type: 'object' }, clientExtensionResults: { type: 'object' } },
};

export const passkeySchemas: Record<string, Json> = {
  Passkey: {
    type: 'object',
    required: ['id', 'name', 'deviceType', 'backedUp', 'createdAt', 'lastUsedAt'],
    properties: {
      id: { type: 'string', format: 'uuid' },
      name: { type: 'string', maxLength: 64 },
      deviceType: { enum: ['singleDevice', 'multiDevice'] },
      backedUp: { type: 'boolean' },
      createdAt: { type: 'string', format: 'date-time' },
      lastUsedAt: { type: ['string', 'null'], format: 'date-time' },
    },
  },
  PasskeyRegistration: { type: 'object', required: ['response'], additionalProperties: false, properties: { response: CREDENTIAL, name: { type: 'string', maxLength: 64 } } },
  PasskeyAssertion: { type: 'object', required: ['response'], additionalProperties: false, properties: { response: CREDENTIAL } },
  PasskeyRename: { type: 'object', required: ['name'], additionalProperties: false, properties: { name: { type: 'string', minLength: 1, maxLength: 64 } } },
};

const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
const options = (description: string) => ({ description: `${description} Its challenge works once, within 2 minutes.`, content: json({ type: 'object' }) });

export const passkeyPaths: Record<string, Record<string, unknown>> = {
  '/v1/auth/passkeys/register/options': {
    post: { summary: 'Options for navigator.credentials.create (a resident, user-verified passkey)', responses: { '200': options('PublicKeyCredentialCreationOptionsJSON.'), ...ERRORS } },
  },
  '/v1/auth/passkeys/register/verify': {
    post: {
      summary: "Register the browser's answer as a passkey of the caller",
      requestBody: body(ref('PasskeyRegistration')),
      responses: {
        '201': { description: 'Registered', content: json(ref('Passkey')) },
        '409': problem('This authenticator is already registered.'),
        '422': problem('Challenge unknown, expired or used, or the response does not verify.'),
        ...ERRORS,
      },
    },
  },
  '/v1/auth/passkeys': {
    get: { summary: "The caller's passkeys", responses: { '200': { description: 'Passkeys', content: json({ type: 'object', properties: { data: { type: 'array', items: ref('Passkey') } } }) }, ...ERRORS } },
  },
  '/v1/auth/passkeys/{id}': {
    parameters: [idParam],
    patch: {
      summary: 'Rename a passkey of the caller',
      requestBody: body(ref('PasskeyRename')),
      responses: { '200': { description: 'Renamed', content: json(ref('Passkey')) }, '404': problem("No such passkey of the caller's."), '422': problem('Bad name or id.'), ...ERRORS },
    },
    delete: { summary: 'Delete a passkey of the caller', responses: { '204': { description: 'Deleted' }, '404': problem("No such passkey of the caller's."), '422': problem('Bad id.'), ...ERRORS } },
  },
  '/v1/auth/passkeys/login/options': {
    post: { summary: 'Options for navigator.credentials.get: any discoverable passkey, user verification required', responses: { '200': options('PublicKeyCredentialRequestOptionsJSON.'), ...ERRORS } },
  },
  '/v1/auth/passkeys/login/verify': {
    post: {
      summary: 'Sign in with a passkey alone',
      requestBody: body(ref('PasskeyAssertion')),
      responses: {
        '200': { description: 'Tokens', content: json(ref('TokenPair')) },
        '401': problem('The passkey could not be verified, or its challenge is unknown, expired or used (one answer per cause, audited).'),
        '422': problem('Not a credential.'),
        '400': ERRORS['400'],
        '429': ERRORS['429'],
      },
    },
  },
};
