import { AuditService, diffFields } from '../../src/audit/audit.service';
import { UserRole } from '../../src/users/user-role';
import { StatementBatch } from '../../src/platform/commands/statement.batch';
import type { Actor } from '../../src/context/request-context';

const ACTOR: Actor = { id: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', username: 'admin', role: UserRole.ADMIN, sessionId: 's', tokenId: 't', tokenExpiresAt: new Date(0) };

/** An EntityManager that only stages rows, as the transaction's would. */
function stagingEm() {
  const staged: Record<string, unknown>[] = [];
  const em = { create: (_entity: Function, data: Record<string, unknown>) => ({ ...data }), persist: (row: Record<string, unknown>) => void staged.push(row) };
  return { em: em as never, staged };
}

describe('AuditService.record (no database)', () => {
  it("stages the entry on the write's batch (not the ORM), naming the actor and the client address", () => {
    const { em, staged } = stagingEm();
    const audit = new AuditService();
    const row = audit.record(em, { actor: ACTOR, ipAddress: '203.0.113.7' }, { action: 'user.updated', entityType: 'user', entityId: 'u1', newValues: { lastName: 'New' } });
    const batch = new StatementBatch();
    audit.write([row], batch);
    expect(staged).toEqual([]);
    expect(batch.rows()).toEqual([row]);
    expect(batch.size).toBe(1);
    expect(row).toMatchObject({ userId: ACTOR.id, action: 'user.updated', entityId: 'u1', oldValues: null, newValues: { lastName: 'New' }, ipAddress: '203.0.113.7' });
  });

  it('keeps an explicit user, even none, over the actor (a login names the account, an anonymous failure nobody)', () => {
    const { em } = stagingEm();
    const audit = new AuditService();
    expect(audit.record(em, { actor: ACTOR, ipAddress: 'x' }, { action: 'auth.login', entityType: 'session', entityId: 's1', userId: 'u2' })).toMatchObject({ userId: 'u2' });
    expect(audit.record(em, { actor: ACTOR, ipAddress: 'x' }, { action: 'auth.login_failed', entityType: 'user', entityId: null, userId: null })).toMatchObject({ userId: null });
    expect(audit.record(em, { actor: null, ipAddress: 'x' }, { action: 'user.created', entityType: 'user', entityId: 'u3' })).toMatchObject({ userId: null });
  });

  it('never writes a secret field, whatever the caller passes', () => {
    const { em } = stagingEm();
    const row = new AuditService().record(em, { actor: ACTOR, ipAddress: 'x' }, {
      action: 'user.updated',
      entityType: 'user',
      entityId: 'u1',
      oldValues: { passwordHash: 'argon2-old', email: 'a@example.com' },
      newValues: { password: 'Plain-passw0rd!', refreshToken: 'r', apiSecret: 's', tokenHash: 'h', email: 'b@example.com' },
    }) as unknown as { oldValues: object; newValues: object };
    expect(row.oldValues).toEqual({ email: 'a@example.com' });
    expect(row.newValues).toEqual({ email: 'b@example.com' });
  });

  it('tells subscribers of the committed rows as one AuditRecorded', () => {
    const rows = [{ id: 1 }, { id: 2 }] as never[];
    expect(new AuditService().committed(rows)).toEqual({ type: 'AuditRecorded', entries: rows });
  });
});

describe('diffFields', () => {
  it('keeps only the fields whose value changed, dates by their instant, missing as null', () => {
    const before = { a: 1, b: 'x', at: new Date(1000), gone: 'y' as string | undefined };
    const after = { a: 1, b: 'z', at: new Date(1000), gone: undefined };
    expect(diffFields(before, after, ['a', 'b', 'at', 'gone'])).toEqual({ oldValues: { b: 'x', gone: 'y' }, newValues: { b: 'z', gone: null } });
    expect(diffFields({ at: new Date(1) }, { at: new Date(2) }, ['at'])).toEqual({ oldValues: { at: new Date(1) }, newValues: { at: new Date(2) } });
  });
});
