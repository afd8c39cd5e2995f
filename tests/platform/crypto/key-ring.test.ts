import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { KeyRing, KeyRingSpecError } from '../../../src/platform/crypto/key-ring';

const key = () => randomBytes(32);

describe('KeyRing', () => {
  it('parses id:base64 entries, the first one active, every one reachable by id', () => {
    const newer = key();
    const older = key();
    const ring = KeyRing.parse(`k2:${newer.toString('base64')}, k1:${older.toString('base64url')}`);
    expect(ring.active.id).toBe('k2');
    expect(ring.active.key.equals(newer)).toBe(true);
    expect(ring.get('k1')!.key.equals(older)).toBe(true);
    expect(ring.ids).toEqual(['k2', 'k1']);
    expect(ring.get('k3')).toBeUndefined();
  });

  it.each([
    ['', /at least one key/],
    ['nocolon', /entry 1 must look like id:base64key/],
    [`k1:${randomBytes(16).toString('base64')}`, /must be 32 bytes, got 16/],
    [`k1:not base64!`, /not base64/],
    [`bad id:${key().toString('base64')}`, /key id must be/],
  ])('refuses %j', (spec, message) => {
    expect(() => KeyRing.parse(spec)).toThrow(KeyRingSpecError);
    expect(() => KeyRing.parse(spec)).toThrow(message);
  });

  it('refuses an id used twice and the same key listed under two ids', () => {
    const material = key().toString('base64');
    expect(() => KeyRing.parse(`a:${material},b:${material}`)).toThrow(/the same key is listed twice/);
    expect(() => KeyRing.parse(`a:${material},a:${key().toString('base64')}`)).toThrow(/used twice/);
  });

  it('names the entry but never echoes key material in its errors', () => {
    const short = randomBytes(20).toString('base64');
    try {
      KeyRing.parse(`k1:${short}`);
      throw new Error('expected a refusal');
    } catch (error) {
      expect((error as Error).message).toContain('k1');
      expect((error as Error).message).not.toContain(short);
    }
  });

  it('shows only key ids when logged or serialised', () => {
    const { ring, spec } = KeyRing.generate('k9');
    const material = spec.slice(3);
    expect(JSON.stringify({ ring })).toBe('{"ring":{"keyIds":["k9"]}}');
    expect(inspect(ring)).not.toContain(material);
    expect(inspect(ring)).toContain('k9');
  });

  it('generates a 32-byte key whose spec reloads the same ring', () => {
    const { ring, spec } = KeyRing.generate('gen');
    expect(ring.active.key).toHaveLength(32);
    expect(KeyRing.parse(spec).active.key.equals(ring.active.key)).toBe(true);
    expect(KeyRing.generate().ring.active.key.equals(ring.active.key)).toBe(false);
  });
});
