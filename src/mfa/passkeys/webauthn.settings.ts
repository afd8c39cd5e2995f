import { z } from 'zod';

/** Who the passkeys belong to: WEBAUTHN_RP_ID, WEBAUTHN_RP_NAME, WEBAUTHN_ORIGINS. */
export interface WebAuthnSettings {
  /** The domain passkeys are bound to (no scheme, no port), e.g. `example.com`. */
  rpId: string;
  /** Shown by the browser and the authenticator. */
  rpName: string;
  /** Every page origin ceremonies may come from, e.g. `https://example.com`. */
  origins: string[];
}

const origin = z
  .string()
  .url()
  .refine((value) => {
    const url = new URL(value);
    // WebAuthn needs a secure context; http is one on localhost only.
    return url.origin === value && (url.protocol === 'https:' || (url.protocol === 'http:' && url.hostname === 'localhost'));
  }, 'must be an origin (scheme://host[:port], no path): https, or http://localhost');

/** For the lead to append to env.schema.ts; the defaults fit `npm start` on localhost. */
export const webauthnEnvSchema = z
  .object({
    WEBAUTHN_RP_ID: z.string().regex(/^[a-z0-9.-]+$/i, 'must be a domain name, without scheme or port').default('localhost'),
    WEBAUTHN_RP_NAME: z.string().min(1).max(64).default('User API'),
    WEBAUTHN_ORIGINS: z
      .string()
      .default('http://localhost:8000')
      .transform((text) => text.split(',').map((item) => item.trim()).filter(Boolean))
      .pipe(z.array(origin).min(1)),
  })
  .superRefine((env, ctx) => {
    // An origin outside the RP ID's domain could never produce a valid assertion: say so at start.
    for (const value of env.WEBAUTHN_ORIGINS) {
      const host = new URL(value).hostname;
      if (host !== env.WEBAUTHN_RP_ID && !host.endsWith(`.${env.WEBAUTHN_RP_ID}`)) {
        ctx.addIssue({ code: 'custom', path: ['WEBAUTHN_ORIGINS'], message: `${value} is not on ${env.WEBAUTHN_RP_ID} or a subdomain of it` });
      }
    }
  });

export function webauthnSettings(env: Record<string, string | undefined>): WebAuthnSettings {
  const parsed = webauthnEnvSchema.parse(Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== '')));
  return { rpId: parsed.WEBAUTHN_RP_ID, rpName: parsed.WEBAUTHN_RP_NAME, origins: parsed.WEBAUTHN_ORIGINS };
}
