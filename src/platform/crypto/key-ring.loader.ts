import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ServiceUnavailableError } from '../errors/domain.errors';
import { type DataKey, KeyRing } from './key-ring';

export interface KeyRingSource {
  nodeEnv: 'development' | 'test' | 'production';
  /** MFA_ENCRYPTION_KEY as given, or undefined when unset. */
  spec: string | undefined;
  /** Where development keeps its generated key (DATA_DIR). */
  dataDir: string;
}

const MISSING_KEY = 'Multi-factor authentication with an authenticator app is not available on this server: MFA_ENCRYPTION_KEY is not set (see docs/key-rotation.md).';

/**
 * Production without MFA_ENCRYPTION_KEY: the service still starts (an upgrade must not take it
 * down), and whatever needs the key (TOTP, recovery codes) answers 503 saying so. Nothing is ever
 * sealed with a key nobody kept. Passkeys need no key and keep working.
 */
export class MissingKeyRing extends KeyRing {
  constructor() {
    super([{ id: 'missing', key: randomBytes(32) }]);
  }

  override get active(): DataKey {
    throw new ServiceUnavailableError(MISSING_KEY);
  }

  override get ids(): string[] {
    throw new ServiceUnavailableError(MISSING_KEY);
  }

  override get(): DataKey | undefined {
    throw new ServiceUnavailableError(MISSING_KEY);
  }

  override toJSON(): { keyIds: string[] } {
    return { keyIds: [] };
  }
}

export const DEVELOPMENT_KEY_FILE = 'mfa-encryption.key';

/**
 * The ring from MFA_ENCRYPTION_KEY. Unset: production gets a ring that refuses every use (503), since
 * secrets sealed with a key nobody kept would be lost; development generates one into DATA_DIR (mode 0600) and reuses it across
 * restarts, so enrolled authenticators keep working, as the embedded database keeps its data; tests
 * get a key of their own that dies with the process.
 */
export function loadKeyRing(source: KeyRingSource): { ring: KeyRing; origin: 'environment' | 'generated-file' | 'existing-file' | 'ephemeral' | 'missing' } {
  if (source.spec !== undefined && source.spec.trim() !== '') return { ring: KeyRing.parse(source.spec), origin: 'environment' };
  if (source.nodeEnv === 'production') return { ring: new MissingKeyRing(), origin: 'missing' };
  if (source.nodeEnv === 'test') return { ring: KeyRing.generate('test').ring, origin: 'ephemeral' };
  const file = join(source.dataDir, DEVELOPMENT_KEY_FILE);
  mkdirSync(source.dataDir, { recursive: true });
  const generated = KeyRing.generate('dev');
  try {
    // 'wx': two processes starting together must not each write a key and each seal with their own.
    writeFileSync(file, `${generated.spec}\n`, { flag: 'wx', mode: 0o600 });
    return { ring: generated.ring, origin: 'generated-file' };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { ring: KeyRing.parse(readFileSync(file, 'utf8').trim()), origin: 'existing-file' };
  }
}
