import './mfa.inputs';

type Json = Record<string, unknown>;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json) => ({ 'application/json': { schema } });
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });
const errors = {
  '400': problem('Malformed JSON or wrong content type.'),
  '401': problem('Missing, invalid or revoked bearer token.'),
  '429': problem('Rate limit exceeded; see Retry-After.'),
};
const stepUp = { '401': problem('Missing or invalid token; or, with code REAUTHENTICATION_REQUIRED, no sign-in within the last 5 minutes: sign in again and retry.') };
const recoveryCodes = { description: 'Ten single-use codes, shown this once', content: json(ref('RecoveryCodes')) };

/** The MFA answers, beside the input schemas taken from mfa.inputs.ts. */
export const mfaOpenApiSchemas: Record<string, Json> = {
  MfaStatus: { type: 'object', required: ['totp', 'passkeys', 'recoveryCodesLeft'], properties: { totp: { type: 'boolean' }, passkeys: { type: 'integer' }, recoveryCodesLeft: { type: 'integer' } } },
  TotpSetup: { type: 'object', required: ['secret', 'otpauthUrl', 'qrCodeSvg'], properties: { secret: { type: 'string' }, otpauthUrl: { type: 'string' }, qrCodeSvg: { type: 'string', description: 'An SVG document.' } } },
  RecoveryCodes: { type: 'object', required: ['recoveryCodes'], properties: { recoveryCodes: { type: 'array', items: { type: 'string' }, minItems: 10, maxItems: 10 } } },
  MfaChallenge: {
    type: 'object',
    description: 'The password was right and MFA is on: no tokens yet; finish at POST /v1/auth/mfa/verify.',
    required: ['mfaRequired', 'mfaToken', 'methods', 'expiresIn'],
    properties: { mfaRequired: { const: true }, mfaToken: { type: 'string' }, methods: { type: 'array', items: { enum: ['totp', 'recovery_code', 'webauthn'] } }, expiresIn: { type: 'integer' } },
  },
};

/** The MFA routes (src/mfa/mfa.router.ts). */
export const mfaOpenApiPaths: Record<string, Record<string, unknown>> = {
  '/v1/auth/mfa': {
    get: { summary: 'Your second factors', responses: { '200': { description: 'Status', content: json(ref('MfaStatus')) }, ...errors } },
  },
  '/v1/auth/mfa/totp/setup': {
    post: {
      summary: 'Start enrolling an authenticator app',
      responses: { '200': { description: 'The secret and its QR code', content: json(ref('TotpSetup')) }, '409': problem('TOTP is already on.'), ...errors },
    },
  },
  '/v1/auth/mfa/totp/confirm': {
    post: {
      summary: 'Turn TOTP on with the first code',
      requestBody: { required: true, content: json(ref('ConfirmTotpInput')) },
      responses: { '200': recoveryCodes, '404': problem('No setup started.'), '409': problem('TOTP is already on.'), '422': problem('The code is not valid.'), ...errors },
    },
  },
  '/v1/auth/mfa/totp': {
    delete: { summary: 'Turn TOTP off (recent sign-in)', responses: { '204': { description: 'Off' }, '404': problem('TOTP is not on.'), ...errors, ...stepUp } },
  },
  '/v1/auth/mfa/recovery-codes': {
    post: { summary: 'A new set of recovery codes (recent sign-in)', responses: { '200': recoveryCodes, '409': problem('No second factor to recover.'), ...errors, ...stepUp } },
  },
  '/v1/auth/mfa/verify': {
    post: {
      summary: 'Finish a login that answered mfaRequired',
      requestBody: { required: true, content: json(ref('MfaVerifyInput')) },
      responses: { '200': { description: 'Tokens', content: json(ref('TokenPair')) }, '422': problem('Not exactly one of code, recoveryCode and webauthn.'), ...errors, '401': problem('Wrong code or passkey, or the mfaToken expired, was used, or had 5 wrong tries.') },
    },
  },
  '/v1/auth/mfa/webauthn/options': {
    post: {
      summary: "Options for a passkey as the second factor (only the user's passkeys); answer at /v1/auth/mfa/verify as `webauthn`",
      requestBody: { required: true, content: json({ type: 'object', required: ['mfaToken'], properties: { mfaToken: { type: 'string' } } }) },
      responses: { '200': { description: 'PublicKeyCredentialRequestOptionsJSON; costs none of the five tries', content: json({ type: 'object' }) }, ...errors, '401': problem("The mfaToken expired, was used, or its user has no passkey.") },
    },
  },
  '/v1/users/{id}/mfa': {
    parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
    delete: {
      summary: "Remove every second factor of a user (admin, audited, recent sign-in)",
      responses: { '204': { description: 'Reset' }, '403': problem('Needs admin.'), '404': problem('No such user, or no second factor.'), ...errors, ...stepUp },
    },
  },
};
