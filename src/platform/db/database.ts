import { MikroORM } from '@mikro-orm/postgresql';
import { ormConfig, type OrmSettings } from './orm.config';

export type Orm = MikroORM;

/** Connects, creating the database itself when missing so a fresh laptop needs no manual step. */
export async function connectDatabase(settings: OrmSettings): Promise<Orm> {
  const orm = await MikroORM.init(ormConfig(settings));
  return orm;
}

export async function ensureDatabaseExists(settings: OrmSettings): Promise<void> {
  const orm = await MikroORM.init({ ...ormConfig(settings), connect: false });
  try {
    await orm.schema.ensureDatabase({ create: false });
  } finally {
    await orm.close(true);
  }
}

export async function migrate(orm: Orm): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  return applied.map((migration) => migration.name);
}
