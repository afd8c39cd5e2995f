import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';

/** One AES-256 key and the id that ciphertexts carry, so the ring knows which key opens them. */
export interface DataKey {
  readonly id: string;
  readonly key: Buffer;
}

export const KEY_BYTES = 32;
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/** The key material in MFA_ENCRYPTION_KEY is wrong; the message names the entry, never the key. */
export class KeyRingSpecError extends Error {
  constructor(readonly problems: string[]) {
    super(`MFA_ENCRYPTION_KEY ${problems.join('; ')}`);
    this.name = 'KeyRingSpecError';
  }
}

/**
 * The keys that protect secrets at rest. The FIRST key is the active one: it seals everything new.
 * Every key in the ring opens what it sealed, so a key can be rotated without a flag day: add the
 * new key, make it first, re-seal the old ciphertexts, then drop the old key (docs/key-rotation.md).
 */
export class KeyRing {
  private readonly byId: ReadonlyMap<string, DataKey>;

  constructor(keys: readonly DataKey[]) {
    if (keys.length === 0) throw new KeyRingSpecError(['must hold at least one key']);
    const problems: string[] = [];
    const byId = new Map<string, DataKey>();
    const material = new Set<string>();
    keys.forEach((entry, index) => {
      if (!KEY_ID.test(entry.id)) problems.push(`entry ${index + 1}: the key id must be 1-32 letters, digits, _ or -`);
      if (entry.key.length !== KEY_BYTES) problems.push(`entry ${index + 1} (${entry.id}): the key must be ${KEY_BYTES} bytes, got ${entry.key.length}`);
      if (byId.has(entry.id)) problems.push(`entry ${index + 1}: the key id ${entry.id} is used twice`);
      // The same key under two ids would make "rotated" ciphertexts no safer than before.
      if (material.has(entry.key.toString('hex'))) problems.push(`entry ${index + 1} (${entry.id}): the same key is listed twice`);
      byId.set(entry.id, { id: entry.id, key: Buffer.from(entry.key) });
      material.add(entry.key.toString('hex'));
    });
    if (problems.length > 0) throw new KeyRingSpecError(problems);
    this.byId = byId;
  }

  /**
   * "id:base64key[,id:base64key...]", active key first. Base64 or base64url; 32 bytes each, e.g.
   * `k2026a:$(openssl rand -base64 32)`.
   */
  static parse(spec: string): KeyRing {
    const entries = spec.split(',').map((entry) => entry.trim()).filter(Boolean);
    if (entries.length === 0) throw new KeyRingSpecError(['must hold at least one key']);
    const problems: string[] = [];
    const keys: DataKey[] = [];
    entries.forEach((entry, index) => {
      const colon = entry.indexOf(':');
      if (colon <= 0) {
        problems.push(`entry ${index + 1} must look like id:base64key`);
        return;
      }
      const encoded = entry.slice(colon + 1);
      if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(encoded)) {
        problems.push(`entry ${index + 1} (${entry.slice(0, colon)}): the key is not base64`);
        return;
      }
      keys.push({ id: entry.slice(0, colon), key: Buffer.from(encoded, encoded.includes('-') || encoded.includes('_') ? 'base64url' : 'base64') });
    });
    if (problems.length > 0) throw new KeyRingSpecError(problems);
    return new KeyRing(keys);
  }

  /** A fresh one-key ring and the spec that reloads it. */
  static generate(id = `k${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`): { ring: KeyRing; spec: string } {
    const key = randomBytes(KEY_BYTES);
    return { ring: new KeyRing([{ id, key }]), spec: `${id}:${key.toString('base64')}` };
  }

  /** The key that seals. */
  get active(): DataKey {
    return this.byId.values().next().value!;
  }

  get ids(): string[] {
    return [...this.byId.keys()];
  }

  get(id: string): DataKey | undefined {
    return this.byId.get(id);
  }

  // Key material must never reach a log line or an error report by accident.
  toJSON(): { keyIds: string[] } {
    return { keyIds: this.ids };
  }

  [inspect.custom](): string {
    return `KeyRing { active: ${this.active.id}, keyIds: [${this.ids.join(', ')}] }`;
  }
}
