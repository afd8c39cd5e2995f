import { z } from 'zod';

const origin = z
  .string()
  .url()
  .refine((value) => {
    const url = new URL(value);
    // WebAuthn needs a secure context; http is one on localhost only.
    return url.origin === value && (url.protocol === 'https:' || (url.protocol === 'http:' && url.hostname === 'localhost'));
  }, 'must be an origin (scheme://host[:port], no path): https, or http://localhost');

/**
 * WEBAUTHN_RP_ID, WEBAUTHN_RP_NAME, WEBAUTHN_ORIGINS: their rules live here once, for the service's
 * configuration (env.schema.ts) and the passkeys' settings (src/mfa/passkeys/webauthn.settings.ts).
 * The defaults fit `npm start` on localhost.
 */
export const webauthnEnvFields = {
  WEBAUTHN_RP_ID: z.string().regex(/^[a-z0-9.-]+$/i, 'must be a domain name, without scheme or port').default('localhost'),
  WEBAUTHN_RP_NAME: z.string().min(1).max(64).default('User API'),
  WEBAUTHN_ORIGINS: z
    .string()
    .default('http://localhost:8000')
    .transform((text) => text.split(',').map((item) => item.trim()).filter(Boolean))
    .pipe(z.array(origin).min(1)),
};

/** An origin outside the RP ID's domain could never produce a valid assertion: say so at start. */
export function checkWebauthnOrigins(env: { WEBAUTHN_RP_ID: string; WEBAUTHN_ORIGINS: string[] }, ctx: z.RefinementCtx): void {
  for (const value of env.WEBAUTHN_ORIGINS) {
    const host = new URL(value).hostname;
    if (host !== env.WEBAUTHN_RP_ID && !host.endsWith(`.${env.WEBAUTHN_RP_ID}`)) {
      ctx.addIssue({ code: 'custom', path: ['WEBAUTHN_ORIGINS'], message: `${value} is not on ${env.WEBAUTHN_RP_ID} or a subdomain of it` });
    }
  }
}
