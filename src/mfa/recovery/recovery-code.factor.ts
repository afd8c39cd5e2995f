import { createHmac, hkdfSync, randomInt } from 'node:crypto';
import type { KeyRing } from '../../platform/crypto/key-ring';

export const RECOVERY_CODE_COUNT = 10;

/** What is stored for one code: the hash, and which ring key made it. */
export interface RecoveryCodeHash {
  keyId: string;
  codeHash: string;
}

// Crockford's base32: no i, l, o, u, so a code read aloud or copied by hand survives.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const CODE_CHARS = 10;
const HASH_INFO = 'uma recovery-code v1';

/**
 * Ten single-use recovery codes, shown once (`xxxxx-xxxxx`, 50 random bits each) and stored as
 * HMAC-SHA256 under a key derived from the MFA key ring, bound to the user id.
 *
 * Why a keyed hash and not argon2: argon2 protects low-entropy secrets people choose; these are 50
 * random bits, which no offline guessing reaches, and without the server key a stolen table cannot
 * even be tested. A keyed hash can also be looked up (a unique index on user + hash) and consumed in
 * one UPDATE, at microseconds of CPU; with argon2 each salted hash must be tried in turn, so one
 * wrong recovery code would cost up to ten argon2 runs (~0.5 s of CPU) — a lever for denial of
 * service on the login path. Online guessing is bounded by the challenge (5 tries) and the lock-out.
 */
export class RecoveryCodeFactor {
  constructor(private readonly ring: KeyRing) {}

  /** New codes to show once, and their hashes to store (under the active key). */
  issue(userId: string): { codes: string[]; hashes: RecoveryCodeHash[] } {
    const codes = new Set<string>();
    while (codes.size < RECOVERY_CODE_COUNT) codes.add(randomCode());
    const keyId = this.ring.active.id;
    return {
      codes: [...codes].map((code) => `${code.slice(0, 5)}-${code.slice(5)}`),
      hashes: [...codes].map((code) => ({ keyId, codeHash: this.hash(keyId, userId, code) })),
    };
  }

  /**
   * The hashes `input` would have under every key of the ring, to look up among the user's unused
   * codes; empty when the input cannot be a code (nothing to look up, no database round trip).
   */
  lookups(userId: string, input: string): RecoveryCodeHash[] {
    const code = normalize(input);
    if (code === null) return [];
    return this.ring.ids.map((keyId) => ({ keyId, codeHash: this.hash(keyId, userId, code) }));
  }

  private hash(keyId: string, userId: string, code: string): string {
    return createHmac('sha256', hashKey(this.ring, keyId)).update(`${userId}:${code}`).digest('hex');
  }
}

const derivedKeys = new WeakMap<KeyRing, Map<string, Buffer>>();

/** A key of its own for hashing, derived (HKDF) so the sealing key is never used for two purposes. */
function hashKey(ring: KeyRing, keyId: string): Buffer {
  let perRing = derivedKeys.get(ring);
  if (!perRing) derivedKeys.set(ring, (perRing = new Map()));
  let key = perRing.get(keyId);
  if (!key) {
    key = Buffer.from(hkdfSync('sha256', ring.get(keyId)!.key, Buffer.alloc(0), HASH_INFO, 32));
    perRing.set(keyId, key);
  }
  return key;
}

function randomCode(): string {
  let code = '';
  for (let i = 0; i < CODE_CHARS; i += 1) code += ALPHABET[randomInt(ALPHABET.length)];
  return code;
}

/** Case, spaces and dashes do not matter; i/l read as 1 and o as 0, as Crockford's alphabet intends. */
export function normalize(input: string): string | null {
  const code = input.toLowerCase().replace(/[\s-]/g, '').replace(/[il]/g, '1').replace(/o/g, '0');
  if (code.length !== CODE_CHARS || [...code].some((char) => !ALPHABET.includes(char))) return null;
  return code;
}
