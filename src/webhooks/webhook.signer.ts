import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { SecretBox } from '../platform/crypto/secret.box';
import { ServiceUnavailableError } from '../platform/errors/domain.errors';

/** After a rotation, the previous secret keeps signing this long, so receivers can switch without losing a delivery. */
export const PREVIOUS_SECRET_MS = 24 * 60 * 60 * 1000;

const SECRET_BYTES = 32;

/** The sealed secrets of one endpoint, as the signer needs them. */
export interface SigningKeys {
  id: string;
  secretSealed: string;
  previousSecretSealed: string | null;
  previousSecretExpiresAt: Date | null;
}

/** What a sealed secret is bound to: its endpoint (copied to another row, it does not open). */
export const webhookSecretContext = (endpointId: string) => ({ purpose: 'webhook-secret', subject: endpointId });
const context = webhookSecretContext;

/**
 * Webhook signing secrets: made here (`whsec_` + base64 of 32 random bytes, the Standard Webhooks
 * form), sealed at rest with the service's SecretBox (bound to the endpoint: a sealed secret copied
 * to another row does not open), and used to sign each delivery with the standardwebhooks package:
 * `v1,<base64 HMAC-SHA256 of id.timestamp.body>`, one signature per secret still in force.
 */
export class WebhookSigner {
  constructor(private readonly box: SecretBox) {}

  newSecret(): string {
    return `whsec_${randomBytes(SECRET_BYTES).toString('base64')}`;
  }

  seal(endpointId: string, secret: string): string {
    try {
      return this.box.seal(secret, context(endpointId));
    } catch (error) {
      // The key ring refuses without MFA_ENCRYPTION_KEY in production: say what it means here.
      if (error instanceof ServiceUnavailableError) throw new ServiceUnavailableError('Webhooks are not available on this server: their signing secrets are sealed with MFA_ENCRYPTION_KEY, which is not set (see docs/key-rotation.md).');
      throw error;
    }
  }

  /** The webhook-signature header: the current secret's signature, then the previous one's while it is in force. */
  signature(keys: SigningKeys, messageId: string, timestamp: Date, body: string, now = Date.now()): string {
    const secrets = [this.box.openText(keys.secretSealed, context(keys.id))];
    if (keys.previousSecretSealed && keys.previousSecretExpiresAt && keys.previousSecretExpiresAt.getTime() > now) {
      secrets.push(this.box.openText(keys.previousSecretSealed, context(keys.id)));
    }
    return secrets.map((secret) => new Webhook(secret).sign(messageId, timestamp, body)).join(' ');
  }
}
