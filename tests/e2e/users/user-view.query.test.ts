import { randomUUID } from 'node:crypto';
import { toUserView } from '../../../src/users/user-view';
import { User } from '../../../src/users/user.entity';
import { findLiveUserView } from '../../../src/users/user-view.query';
import { seedUser } from '../../support/factories';
import { useTestServer } from '../../support/use-test-server';

describe('findLiveUserView: the cache fill without the ORM', () => {
  const ctx = useTestServer();

  it('reads exactly the view findById gives, with every timestamp a Date to the millisecond', async () => {
    const seeded = await seedUser(ctx.server, { phone: '+14155550123', emailVerified: true });
    const em = ctx.server.orm.em.fork();
    const entity = await em.getRepository(User).findOneOrFail(seeded.id);
    entity.lastLoginAt = new Date('2030-05-06T07:08:09.123Z');
    await em.flush();

    const expected = toUserView((await ctx.server.orm.em.fork().getRepository(User).findById(seeded.id))!);
    const view = await findLiveUserView(ctx.server.orm.em.fork(), seeded.id);
    expect(view).toEqual(expected);
    expect(view?.lastLoginAt).toEqual(new Date('2030-05-06T07:08:09.123Z'));
    expect(Object.keys(view!).sort()).toEqual(Object.keys(expected).sort());
  });

  it('gives null lastLoginAt and phone as null, like the entity', async () => {
    const seeded = await seedUser(ctx.server);
    const view = await findLiveUserView(ctx.server.orm.em.fork(), seeded.id);
    expect(view).toEqual(toUserView((await ctx.server.orm.em.fork().getRepository(User).findById(seeded.id))!));
    expect(view).toMatchObject({ lastLoginAt: null, phone: null });
  });

  it('does not see soft-deleted or unknown users', async () => {
    const seeded = await seedUser(ctx.server);
    const em = ctx.server.orm.em.fork();
    const entity = await em.getRepository(User).findOneOrFail(seeded.id);
    entity.deletedAt = new Date();
    await em.flush();
    expect(await findLiveUserView(ctx.server.orm.em.fork(), seeded.id)).toBeNull();
    expect(await findLiveUserView(ctx.server.orm.em.fork(), randomUUID())).toBeNull();
  });

  it('is one statement against live users by id, reading the read model\'s columns and no others', async () => {
    const seeded = await seedUser(ctx.server);
    const before = ctx.server.queries.length;
    await findLiveUserView(ctx.server.orm.em.fork(), seeded.id);
    const statements = ctx.server.queries.slice(before);
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatch(/select "id", "username", .*"security_stamp" from "users" where "id" = \$1 and "deleted_at" is null limit 1/);
    expect(statements[0]).not.toMatch(/password_hash|email_key|email_issue|"deleted_at",|\*/);
  });
});
