import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KeyRing } from './key-ring';

export interface KeyRingSource {
  nodeEnv: 'development' | 'test' | 'production';
  /** MFA_ENCRYPTION_KEY as given, or undefined when unset. */
  spec: string | undefined;
  /** Where development keeps its generated key (DATA_DIR). */
  dataDir: string;
}

export class KeyRingMissingError extends Error {
  constructor() {
    super('MFA_ENCRYPTION_KEY is required in production (id:base64 32-byte key; see docs/key-rotation.md)');
    this.name = 'KeyRingMissingError';
  }
}

export const DEVELOPMENT_KEY_FILE = 'mfa-encryption.key';

/**
 * The ring from MFA_ENCRYPTION_KEY. Unset: production refuses to start (secrets sealed with a key
 * nobody kept are lost); development generates one into DATA_DIR (mode 0600) and reuses it across
 * restarts, so enrolled authenticators keep working, as the embedded database keeps its data; tests
 * get a key of their own that dies with the process.
 */
export function loadKeyRing(source: KeyRingSource): { ring: KeyRing; origin: 'environment' | 'generated-file' | 'existing-file' | 'ephemeral' } {
  if (source.spec !== undefined && source.spec.trim() !== '') return { ring: KeyRing.parse(source.spec), origin: 'environment' };
  if (source.nodeEnv === 'production') throw new KeyRingMissingError();
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
