import { randomBytes } from 'node:crypto';
import { KeyRing } from '../../../src/platform/crypto/key-ring';
import { SecretBox, SecretBoxError } from '../../../src/platform/crypto/secret.box';
import { resealTotpSecrets } from '../../../src/mfa/totp/totp-secret.reseal';
import { totpSecretContext } from '../../../src/mfa/totp/totp-secret.seal';
import { insertTotpRow, openMfaDatabase } from './mfa-database';

describe('key rotation of TOTP secrets at rest', () => {
  let db: Awaited<ReturnType<typeof openMfaDatabase>>;
  beforeAll(async () => {
    db = await openMfaDatabase('reseal');
  });
  afterAll(() => db?.close());

  const k1 = { id: 'k1', key: randomBytes(32) };
  const k2 = { id: 'k2', key: randomBytes(32) };
  const sealed = async () => db.orm.em.getConnection().execute<{ user_id: string; secret_sealed: string }[]>('select user_id, secret_sealed from mfa_totp order by user_id');

  it('re-seals every secret under the new key, keeps each one readable, and then needs the old key no more', async () => {
    const oldBox = new SecretBox(new KeyRing([k1]));
    const users: Record<string, string> = {};
    for (let i = 0; i < 7; i += 1) {
      const user = await db.newUser();
      users[user] = `SECRET${i}AAAAAAAAAAAAAAAAAAAAAAAAA`;
      await insertTotpRow(db.orm, user, oldBox.seal(users[user], totpSecretContext(user)));
    }
    const rotatedBox = new SecretBox(new KeyRing([k2, k1]));
    const report = await resealTotpSecrets(db.orm.em.fork(), rotatedBox, 3);
    expect(report).toEqual({ scanned: 7, resealed: 7, skipped: 0 });

    const newOnly = new SecretBox(new KeyRing([k2]));
    for (const row of await sealed()) {
      expect(newOnly.keyIdOf(row.secret_sealed)).toBe('k2');
      expect(newOnly.openText(row.secret_sealed, totpSecretContext(row.user_id))).toBe(users[row.user_id]);
    }
    expect(await resealTotpSecrets(db.orm.em.fork(), rotatedBox, 3)).toEqual({ scanned: 7, resealed: 0, skipped: 0 });
  });

  it("a sealed secret copied onto another user's row does not open there", async () => {
    const box = new SecretBox(new KeyRing([k2]));
    const [victim, attacker] = [await db.newUser(), await db.newUser()];
    const victimSealed = box.seal('VICTIMSECRETAAAAAAAAAAAAAAAAAAAA', totpSecretContext(victim));
    await insertTotpRow(db.orm, victim, victimSealed);
    await insertTotpRow(db.orm, attacker, victimSealed);
    const [row] = await db.orm.em.getConnection().execute<{ secret_sealed: string }[]>('select secret_sealed from mfa_totp where user_id = ?', [attacker]);
    expect(() => box.open(row.secret_sealed, totpSecretContext(attacker))).toThrow(SecretBoxError);
  });
});
