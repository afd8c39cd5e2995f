import { z } from 'zod';
import { checkWebauthnOrigins, webauthnEnvFields } from '../../platform/config/webauthn.env';

/** Who the passkeys belong to: WEBAUTHN_RP_ID, WEBAUTHN_RP_NAME, WEBAUTHN_ORIGINS. */
export interface WebAuthnSettings {
  /** The domain passkeys are bound to (no scheme, no port), e.g. `example.com`. */
  rpId: string;
  /** Shown by the browser and the authenticator. */
  rpName: string;
  /** Every page origin ceremonies may come from, e.g. `https://example.com`. */
  origins: string[];
}

/** The three variables alone; the service's configuration (env.schema.ts) holds the same rules. */
export const webauthnEnvSchema = z.object(webauthnEnvFields).superRefine(checkWebauthnOrigins);

export function webauthnSettings(env: Record<string, string | undefined>): WebAuthnSettings {
  const parsed = webauthnEnvSchema.parse(Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== '')));
  return { rpId: parsed.WEBAUTHN_RP_ID, rpName: parsed.WEBAUTHN_RP_NAME, origins: parsed.WEBAUTHN_ORIGINS };
}
