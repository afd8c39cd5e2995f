import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { KeyRing } from './key-ring';

/**
 * What a sealed value belongs to. It is authenticated with the ciphertext (AES-GCM's additional
 * data), so a secret copied into another user's row, or into a column of another purpose, does not
 * open there.
 */
export interface SealContext {
  purpose: string;
  subject: string;
}

/** A sealed value did not open: wrong context, unknown key, or tampered. Deliberately says no more. */
export class SecretBoxError extends Error {
  constructor(message = 'The sealed value could not be opened.') {
    super(message);
    this.name = 'SecretBoxError';
  }
}

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM with a random 96-bit nonce per seal, under the ring's active key. The text form is
 * `v1.<keyId>.<iv>.<ciphertext>.<tag>` (base64url), so the key that opens it is known without trying.
 */
export class SecretBox {
  constructor(private readonly ring: KeyRing) {}

  seal(plaintext: string | Uint8Array, context: SealContext): string {
    const { id, key } = this.ring.active;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(additionalData(id, context));
    const body = Buffer.concat([cipher.update(typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext), cipher.final()]);
    return [VERSION, id, iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
  }

  open(sealed: string, context: SealContext): Buffer {
    const parts = sealed.split('.');
    if (parts.length !== 5 || parts[0] !== VERSION) throw new SecretBoxError();
    const [, keyId, iv, body, tag] = parts;
    const dataKey = this.ring.get(keyId);
    if (!dataKey) throw new SecretBoxError(`The sealed value needs key ${keyId}, which is not in MFA_ENCRYPTION_KEY.`);
    const ivBytes = Buffer.from(iv, 'base64url');
    const tagBytes = Buffer.from(tag, 'base64url');
    if (ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES) throw new SecretBoxError();
    try {
      const decipher = createDecipheriv('aes-256-gcm', dataKey.key, ivBytes, { authTagLength: TAG_BYTES });
      decipher.setAAD(additionalData(keyId, context));
      decipher.setAuthTag(tagBytes);
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]);
    } catch {
      throw new SecretBoxError();
    }
  }

  openText(sealed: string, context: SealContext): string {
    return this.open(sealed, context).toString('utf8');
  }

  keyIdOf(sealed: string): string {
    const parts = sealed.split('.');
    if (parts.length !== 5 || parts[0] !== VERSION) throw new SecretBoxError();
    return parts[1];
  }

  /** Sealed under an older key: the re-encryption pass should re-seal it. */
  isStale(sealed: string): boolean {
    return this.keyIdOf(sealed) !== this.ring.active.id;
  }

  /** Opens with whichever key sealed it and seals again under the active key. */
  reseal(sealed: string, context: SealContext): string {
    return this.seal(this.open(sealed, context), context);
  }
}

/** Length-prefixed, so no choice of purpose and subject can imitate another pair. */
function additionalData(keyId: string, context: SealContext): Buffer {
  return Buffer.from(JSON.stringify([VERSION, keyId, context.purpose, context.subject]), 'utf8');
}
