import { MikroORM, type EntityMetadata } from '@mikro-orm/postgresql';
import { ormConfig } from '../../src/platform/db/orm.config';
import { User } from '../../src/users/user.entity';
import { PUBLIC_USER_FIELD_NAMES, USER_VIEW_FIELD_NAMES } from '../../src/users/user-view';
import { liveUserViewStatement, userViewOfRow } from '../../src/users/user-view.query';

describe('the cache fill\'s statement, derived from the read model and the ORM\'s metadata', () => {
  let orm: MikroORM;
  let meta: EntityMetadata<User>;

  beforeAll(() => {
    // Metadata discovery only: nothing listens on this port, and nothing connects.
    orm = MikroORM.initSync({ ...ormConfig({ databaseUrl: 'postgres://nobody@127.0.0.1:1/none', poolMax: 1 }), connect: false });
    meta = orm.getMetadata().get<User>(User.name);
  });

  afterAll(() => orm.close());

  it('selects each of the read model\'s fields from its column, in order, and only live users by id', () => {
    const { sql, columns } = liveUserViewStatement(meta);
    expect(columns.map(({ field }) => field)).toEqual(USER_VIEW_FIELD_NAMES);
    expect(sql).toBe(
      'select "id", "username", "email", "first_name", "last_name", "phone", "role", "is_active", "email_verified", "pending_email", "created_at", "updated_at", "last_login_at", "version", "security_stamp" ' +
        'from "users" where "id" = ? and "deleted_at" is null limit 1',
    );
  });

  it('reads no secret and no column outside the read model', () => {
    const { sql } = liveUserViewStatement(meta);
    expect(sql).not.toMatch(/password_hash|email_key|email_issue|\*/);
    for (const name of PUBLIC_USER_FIELD_NAMES) expect(sql).toContain(`"${meta.properties[name].fieldNames[0]}"`);
  });

  it('follows a column the entity renames', () => {
    const renamed = { ...meta, tableName: 'people', properties: { ...meta.properties, firstName: { ...meta.properties.firstName, fieldNames: ['given_name'] } } } as EntityMetadata<User>;
    expect(liveUserViewStatement(renamed).sql).toMatch(/^select "id", "username", "email", "given_name", .* from "people" where/);
  });

  it('refuses a read model field the entity has no column for', () => {
    const { phone: _phone, ...properties } = meta.properties;
    expect(() => liveUserViewStatement({ ...meta, properties } as EntityMetadata<User>)).toThrow(/no column for the read model's field phone/);
  });

  it('turns a row into the view: timestamps parsed by the platform, null kept null', () => {
    const statement = liveUserViewStatement(meta);
    const row = {
      id: 'c0ffee00-0000-4000-8000-000000000001',
      username: 'ada',
      email: 'ada@example.com',
      first_name: 'Ada',
      last_name: 'Lovelace',
      phone: null,
      role: 'user',
      is_active: true,
      email_verified: false,
      created_at: '2026-01-02 03:04:05.678+00',
      updated_at: '2026-01-03 03:04:05.678+00',
      last_login_at: null,
      version: 4,
      security_stamp: 'c0ffee00-0000-4000-8000-000000000002',
    };
    const view = userViewOfRow(row, statement, orm.em.getPlatform());
    expect(Object.keys(view)).toEqual(USER_VIEW_FIELD_NAMES);
    expect(view).toEqual({
      id: row.id,
      username: 'ada',
      email: 'ada@example.com',
      firstName: 'Ada',
      lastName: 'Lovelace',
      phone: null,
      role: 'user',
      isActive: true,
      emailVerified: false,
      createdAt: new Date('2026-01-02T03:04:05.678Z'),
      updatedAt: new Date('2026-01-03T03:04:05.678Z'),
      lastLoginAt: null,
      version: 4,
      securityStamp: row.security_stamp,
    });
  });
});
