import { randomBytes } from 'node:crypto';
import { KeyRing } from '../../../src/platform/crypto/key-ring';
import { normalize, RECOVERY_CODE_COUNT, RecoveryCodeFactor } from '../../../src/mfa/recovery/recovery-code.factor';

const USER = '00000000-0000-4000-8000-000000000001';
const keyOf = (id: string) => ({ id, key: randomBytes(32) });

describe('RecoveryCodeFactor', () => {
  const k1 = keyOf('k1');
  const factor = new RecoveryCodeFactor(new KeyRing([k1]));

  it('issues ten distinct codes xxxxx-xxxxx from the unambiguous alphabet, and their hashes under the active key', () => {
    const { codes, hashes } = factor.issue(USER);
    expect(RECOVERY_CODE_COUNT).toBe(10);
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$/);
    expect(hashes).toHaveLength(10);
    for (const hash of hashes) {
      expect(hash.keyId).toBe('k1');
      expect(hash.codeHash).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('stores no code in clear: no hash contains or equals its code', () => {
    const { codes, hashes } = factor.issue(USER);
    codes.forEach((code, index) => expect(hashes[index].codeHash).not.toContain(code.replace('-', '')));
  });

  it('looks a code up by the hash it was stored under, however it is typed', () => {
    const { codes, hashes } = factor.issue(USER);
    const stored = new Set(hashes.map((hash) => hash.codeHash));
    for (const typed of [codes[0], codes[0].toUpperCase(), codes[0].replace('-', ''), ` ${codes[0].slice(0, 5)} ${codes[0].slice(6)} `]) {
      expect(factor.lookups(USER, typed).some((lookup) => stored.has(lookup.codeHash))).toBe(true);
    }
  });

  it('binds the hash to the user: the same code of another user hashes differently', () => {
    const { codes, hashes } = factor.issue(USER);
    const stored = new Set(hashes.map((hash) => hash.codeHash));
    expect(factor.lookups('00000000-0000-4000-8000-000000000002', codes[0]).some((lookup) => stored.has(lookup.codeHash))).toBe(false);
  });

  it('depends on the server key: another ring cannot reproduce the hashes', () => {
    const { codes, hashes } = factor.issue(USER);
    const stranger = new RecoveryCodeFactor(new KeyRing([{ id: 'k1', key: randomBytes(32) }]));
    expect(stranger.lookups(USER, codes[0])[0].codeHash).not.toBe(hashes[0].codeHash);
  });

  it('keeps codes issued before a key rotation usable: a lookup covers every key of the ring', () => {
    const { codes, hashes } = factor.issue(USER);
    const rotated = new RecoveryCodeFactor(new KeyRing([keyOf('k2'), k1]));
    const lookups = rotated.lookups(USER, codes[0]);
    expect(lookups.map((lookup) => lookup.keyId)).toEqual(['k2', 'k1']);
    expect(lookups.find((lookup) => lookup.keyId === 'k1')!.codeHash).toBe(hashes[0].codeHash);
    expect(rotated.issue(USER).hashes[0].keyId).toBe('k2');
  });

  it.each(['', 'short', 'abcde-abcd', 'abcde-abcdef', 'abcde-abcd!', 'abcdé-abcde'])('looks nothing up for %j', (input) => {
    expect(factor.lookups(USER, input)).toEqual([]);
  });

  it("normalizes Crockford's look-alikes: i and l read as 1, o as 0", () => {
    expect(normalize('IL0O1-abcde')).toBe('11001abcde');
    expect(normalize('u0000-00000')).toBeNull();
  });
});
