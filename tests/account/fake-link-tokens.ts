import type { OneTimeTokenPurpose } from '../../src/auth/tokens/one-time-token.entity';
import { OneTimeTokenExpiredError, OneTimeTokenInvalidError, OneTimeTokenUsedError } from '../../src/auth/tokens/one-time-token.errors';
import type { OneTimeTokenService } from '../../src/auth/tokens/one-time-token.service';

interface Row {
  userId: string;
  purpose: OneTimeTokenPurpose;
  email: string | null;
  used: boolean;
  superseded: boolean;
}

/** The one-time token rules in memory: one live token per user and purpose, single use. */
export function fakeLinkTokens() {
  const rows = new Map<string, Row>();
  let next = 0;
  const supersede = (userId: string, purposes: OneTimeTokenPurpose[]) => {
    let count = 0;
    for (const row of rows.values()) {
      if (row.userId === userId && purposes.includes(row.purpose) && !row.used && !row.superseded) {
        row.superseded = true;
        count += 1;
      }
    }
    return count;
  };
  const live = (token: string, purpose: OneTimeTokenPurpose) => {
    const row = rows.get(token);
    if (!row || row.purpose !== purpose) throw new OneTimeTokenInvalidError();
    if (row.used) throw new OneTimeTokenUsedError();
    if (row.superseded) throw new OneTimeTokenExpiredError('superseded');
    return row;
  };
  const service = {
    async issue(_em: unknown, input: { userId: string; purpose: OneTimeTokenPurpose; email?: string | null }) {
      supersede(input.userId, [input.purpose]);
      const token = `token-${(next += 1)}`.padEnd(43, 'x');
      rows.set(token, { userId: input.userId, purpose: input.purpose, email: input.email ?? null, used: false, superseded: false });
      return { token, expiresAt: new Date(0) };
    },
    async consume(_em: unknown, token: string, purpose: OneTimeTokenPurpose) {
      const row = live(token, purpose);
      row.used = true;
      return { userId: row.userId, email: row.email };
    },
    async peek(_em: unknown, token: string, purpose: OneTimeTokenPurpose) {
      const row = live(token, purpose);
      return { userId: row.userId, email: row.email };
    },
    async invalidate(_em: unknown, userId: string, purposes: OneTimeTokenPurpose[]) {
      return supersede(userId, purposes);
    },
  };
  return { service: service as unknown as OneTimeTokenService, rows };
}
