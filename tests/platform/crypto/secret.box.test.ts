import { randomBytes } from 'node:crypto';
import { KeyRing } from '../../../src/platform/crypto/key-ring';
import { SecretBox, SecretBoxError } from '../../../src/platform/crypto/secret.box';

const ctx = { purpose: 'totp-secret', subject: '00000000-0000-4000-8000-000000000001' };

function ringOf(...ids: string[]): { ring: KeyRing; keys: Map<string, Buffer> } {
  const keys = new Map(ids.map((id) => [id, randomBytes(32)]));
  return { ring: new KeyRing([...keys].map(([id, key]) => ({ id, key }))), keys };
}

describe('SecretBox', () => {
  const { ring } = ringOf('k1');
  const box = new SecretBox(ring);

  it('opens what it sealed, in its context', () => {
    const sealed = box.seal('JBSWY3DPEHPK3PXP', ctx);
    expect(box.openText(sealed, ctx)).toBe('JBSWY3DPEHPK3PXP');
    expect(box.open(box.seal(Buffer.from([0, 1, 2, 255]), ctx), ctx)).toEqual(Buffer.from([0, 1, 2, 255]));
  });

  it('never writes the plaintext, and seals the same value differently each time (random nonce)', () => {
    const a = box.seal('JBSWY3DPEHPK3PXP', ctx);
    const b = box.seal('JBSWY3DPEHPK3PXP', ctx);
    expect(a).not.toBe(b);
    expect(a).not.toContain('JBSWY3DPEHPK3PXP');
    expect(a.split('.').slice(0, 2)).toEqual(['v1', 'k1']);
  });

  it('refuses a secret copied to another user or another purpose', () => {
    const sealed = box.seal('secret', ctx);
    expect(() => box.open(sealed, { ...ctx, subject: '00000000-0000-4000-8000-000000000002' })).toThrow(SecretBoxError);
    expect(() => box.open(sealed, { ...ctx, purpose: 'webauthn' })).toThrow(SecretBoxError);
  });

  it('cannot be fooled by moving text between purpose and subject', () => {
    const sealed = box.seal('secret', { purpose: 'a:b', subject: 'c' });
    expect(() => box.open(sealed, { purpose: 'a', subject: 'b:c' })).toThrow(SecretBoxError);
  });

  it('refuses any tampering: a flipped bit in the body, the tag, the nonce, or a changed key id', () => {
    const sealed = box.seal('secret', ctx);
    const parts = sealed.split('.');
    const flip = (text: string) => {
      const bytes = Buffer.from(text, 'base64url');
      bytes[0] ^= 1;
      return bytes.toString('base64url');
    };
    for (const index of [2, 3, 4]) {
      const tampered = [...parts];
      tampered[index] = flip(tampered[index]);
      expect(() => box.open(tampered.join('.'), ctx)).toThrow(SecretBoxError);
    }
    expect(() => box.open(['v2', ...parts.slice(1)].join('.'), ctx)).toThrow(SecretBoxError);
    expect(() => box.open('garbage', ctx)).toThrow(SecretBoxError);
  });

  it('says which key is missing when the ring lost the one that sealed it', () => {
    const sealed = new SecretBox(ringOf('old').ring).seal('secret', ctx);
    expect(() => box.open(sealed, ctx)).toThrow(/needs key old/);
  });

  it('a key id relabelled onto another key of the ring does not open', () => {
    const { ring: two } = ringOf('k2', 'k1');
    const twoBox = new SecretBox(two);
    const sealed = twoBox.seal('secret', ctx);
    expect(() => twoBox.open(sealed.replace('.k2.', '.k1.'), ctx)).toThrow(SecretBoxError);
  });

  describe('rotation', () => {
    it('newest seals, every key of the ring opens, and reseal moves a value to the newest key', () => {
      const { ring: oldRing, keys } = ringOf('k1');
      const sealedOld = new SecretBox(oldRing).seal('secret', ctx);
      const rotated = new SecretBox(new KeyRing([{ id: 'k2', key: randomBytes(32) }, { id: 'k1', key: keys.get('k1')! }]));
      expect(rotated.openText(sealedOld, ctx)).toBe('secret');
      expect(rotated.isStale(sealedOld)).toBe(true);
      const resealed = rotated.reseal(sealedOld, ctx);
      expect(rotated.keyIdOf(resealed)).toBe('k2');
      expect(rotated.isStale(resealed)).toBe(false);
      expect(rotated.openText(resealed, ctx)).toBe('secret');
      expect(() => new SecretBox(oldRing).open(resealed, ctx)).toThrow(/needs key k2/);
    });
  });
});
