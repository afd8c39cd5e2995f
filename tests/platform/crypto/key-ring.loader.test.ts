import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyRing } from '../../../src/platform/crypto/key-ring';
import { DEVELOPMENT_KEY_FILE, loadKeyRing } from '../../../src/platform/crypto/key-ring.loader';
import { SecretBox } from '../../../src/platform/crypto/secret.box';
import { ServiceUnavailableError } from '../../../src/platform/errors/domain.errors';

describe('loadKeyRing', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = join(mkdtempSync(join(tmpdir(), 'uma-keyring-')), 'data');
  });
  afterEach(() => rmSync(join(dataDir, '..'), { recursive: true, force: true }));

  it('takes MFA_ENCRYPTION_KEY in every environment when it is set', () => {
    const { spec, ring } = KeyRing.generate('env');
    for (const nodeEnv of ['production', 'development', 'test'] as const) {
      const loaded = loadKeyRing({ nodeEnv, spec, dataDir });
      expect(loaded.origin).toBe('environment');
      expect(loaded.ring.active.key.equals(ring.active.key)).toBe(true);
    }
  });

  it('starts production without a key, and every use of the missing key is a 503 that says which variable to set', () => {
    for (const spec of [undefined, '  ']) {
      const { ring, origin } = loadKeyRing({ nodeEnv: 'production', spec, dataDir });
      expect(origin).toBe('missing');
      expect(() => ring.active).toThrow(ServiceUnavailableError);
      expect(() => ring.active).toThrow(/MFA_ENCRYPTION_KEY is not set/);
      expect(() => ring.get('k1')).toThrow(ServiceUnavailableError);
      expect(() => new SecretBox(ring).seal('secret', { purpose: 'totp', subject: 'u1' })).toThrow(ServiceUnavailableError);
      expect(JSON.stringify(ring)).toBe('{"keyIds":[]}');
    }
  });

  it('generates a development key into DATA_DIR, readable by the owner only, and reuses it on the next start', () => {
    const first = loadKeyRing({ nodeEnv: 'development', spec: undefined, dataDir });
    expect(first.origin).toBe('generated-file');
    const file = join(dataDir, DEVELOPMENT_KEY_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const second = loadKeyRing({ nodeEnv: 'development', spec: undefined, dataDir });
    expect(second.origin).toBe('existing-file');
    expect(second.ring.active.key.equals(first.ring.active.key)).toBe(true);
    expect(KeyRing.parse(readFileSync(file, 'utf8')).active.id).toBe('dev');
  });

  it('gives tests a key of their own and writes nothing', () => {
    const loaded = loadKeyRing({ nodeEnv: 'test', spec: undefined, dataDir });
    expect(loaded.origin).toBe('ephemeral');
    expect(() => statSync(dataDir)).toThrow();
  });
});
