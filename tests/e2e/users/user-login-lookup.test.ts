import { randomUUID } from 'node:crypto';
import { User } from '../../../src/users/user.entity';
import { seedUser } from '../../support/factories';
import { useTestServer } from '../../support/use-test-server';

describe('UserRepository.findByLogin', () => {
  const ctx = useTestServer();

  it('finds by username or email in any letter case: the same entity as reading that user by id', async () => {
    const seeded = await seedUser(ctx.server);
    const byId = await ctx.server.orm.em.fork().getRepository(User).findOneOrFail(seeded.id);
    for (const login of [seeded.username, seeded.username.toUpperCase(), seeded.email, seeded.email.toUpperCase()]) {
      const found = await ctx.server.orm.em.fork().getRepository(User).findByLogin(login);
      expect(found).toBeInstanceOf(User);
      expect(found).toEqual(byId);
      expect(found?.passwordHash).toMatch(/^\$argon2id\$/);
    }
  });

  it('finds an email by its comparison key, whatever the Unicode form or case of the address given', async () => {
    const seeded = await seedUser(ctx.server, { email: `jos\u00e9.${randomUUID().slice(0, 8)}@example.com` });
    const decomposed = seeded.email.replace('\u00e9', 'e\u0301').toUpperCase();
    expect(decomposed).not.toBe(seeded.email);
    expect((await ctx.server.orm.em.fork().getRepository(User).findByLogin(decomposed))?.id).toBe(seeded.id);
  });

  it('does not find soft-deleted or unknown accounts', async () => {
    const seeded = await seedUser(ctx.server);
    const em = ctx.server.orm.em.fork();
    (await em.getRepository(User).findOneOrFail(seeded.id)).deletedAt = new Date();
    await em.flush();
    expect(await ctx.server.orm.em.fork().getRepository(User).findByLogin(seeded.username)).toBeNull();
    expect(await ctx.server.orm.em.fork().getRepository(User).findByLogin(seeded.email)).toBeNull();
    expect(await ctx.server.orm.em.fork().getRepository(User).findByLogin('nobody-at-all')).toBeNull();
    expect(await ctx.server.orm.em.fork().getRepository(User).findByLogin("x' or '1'='1")).toBeNull();
  });

  it('hands back the instance the EntityManager already holds, unrefreshed, as findOne does', async () => {
    const seeded = await seedUser(ctx.server);
    const em = ctx.server.orm.em.fork();
    const held = await em.getRepository(User).findOneOrFail(seeded.id);
    held.firstName = 'Unsaved';
    const found = await em.getRepository(User).findByLogin(seeded.username);
    expect(found).toBe(held);
    expect(found?.firstName).toBe('Unsaved');
  });

  it('returns a managed entity: a change to it is flushed as an update of that field only', async () => {
    const seeded = await seedUser(ctx.server);
    const em = ctx.server.orm.em.fork();
    const user = (await em.getRepository(User).findByLogin(seeded.username))!;
    expect(em.getUnitOfWork().getById(User.name, user.id)).toBe(user);
    const before = ctx.server.queries.length;
    user.lastLoginAt = new Date('2031-01-02T03:04:05.678Z');
    await em.flush();
    const updates = ctx.server.queries.slice(before).filter((sql) => /^\[query\] update "users"/.test(sql));
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatch(/set "last_login_at" = .*"updated_at" = /);
    expect(updates[0]).not.toMatch(/password_hash|username|email/);
    const reread = await ctx.server.orm.em.fork().getRepository(User).findById(seeded.id);
    expect(reread?.lastLoginAt).toEqual(new Date('2031-01-02T03:04:05.678Z'));
  });
});
