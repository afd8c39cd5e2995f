import { createHash } from 'node:crypto';

/** Refresh tokens are high-entropy, so a fast hash is enough to keep them out of the database. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
