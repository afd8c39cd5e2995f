import 'reflect-metadata';
import type { EntityManager } from '@mikro-orm/postgresql';
import { generateAdminPassword } from '../users/bootstrap-admin';
import { loadConfig } from '../platform/config/config';
import { connectDatabase, ensureDatabaseExists, migrate } from '../platform/db/database';
import { openDatabaseSource } from '../platform/db/database.source';
import { DomainError, ValidationError } from '../platform/errors/domain.errors';
import { safeErrorMessage } from '../platform/errors/secret-redaction';
import { createLogger } from '../platform/observability/logger';
import { RevocationEpoch } from '../auth/revocation/revocation-epoch';
import { PasswordHasher } from '../auth/passwords/password.hasher';
import { AdminAccountService } from '../services';
import { type AuditEntry, AuditService } from '../audit/audit.service';
import type { AuditLog } from '../audit/audit-log.entity';
import type { CommandContext } from '../audit/audited-command.pipeline';
import { CommandPipeline } from '../platform/commands/command.pipeline';
import { EventBus } from '../platform/commands/event.bus';
import { EventOutboxWriter } from '../events/event-outbox.writer';

/**
 * Where the password comes from: `--password-stdin` (the first line of standard input), else
 * ADMIN_PASSWORD, else one is generated and printed once. Never a command-line argument, which
 * other users of the machine can read in the process list.
 */
export async function passwordFrom(passwordStdin: boolean | undefined): Promise<{ password: string; generated: boolean }> {
  if (passwordStdin) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return { password: Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0], generated: false };
  }
  if (process.env.ADMIN_PASSWORD) return { password: process.env.ADMIN_PASSWORD, generated: false };
  return { password: generateAdminPassword(), generated: true };
}

export interface AdminCommandContext {
  em: EntityManager;
  accounts: AdminAccountService;
  /** Tells every running instance to drop what it cached about sessions and users. */
  announce(reason: string): Promise<void>;
}

/**
 * Runs an operator command against the configured database: DATABASE_URL, or the embedded
 * PostgreSQL of a zero-setup start (shared with the app if it runs, started and stopped if not).
 * Migrations are applied first, as the app would at start.
 */
export async function runAdminCommand(command: (context: AdminCommandContext) => Promise<void>): Promise<void> {
  const config = loadConfig({ ...process.env, ADMIN_PASSWORD: undefined, ADMIN_USERNAME: undefined, ADMIN_EMAIL: undefined });
  const logger = createLogger('warn');
  const database = await openDatabaseSource(config, (message) => process.stderr.write(`${message}\n`));
  try {
    const settings = { databaseUrl: database.url, poolMax: 2 };
    await ensureDatabaseExists(settings);
    const orm = await connectDatabase(settings);
    try {
      await migrate(orm);
      const epoch = new RevocationEpoch((sql, params) => orm.em.getConnection().execute(sql, params as unknown[]), { databaseUrl: database.url, pollSeconds: 60 }, logger);
      // No cache lives in this process, and the command announces the change itself; its events go
      // to the outbox like any write's, for the servers' relays to deliver (webhooks, the audit stream).
      const bus = new EventBus().subscribeInTransaction('event-outbox', new EventOutboxWriter({ auditStream: config.redisUrl !== undefined || config.redisClusterNodes !== undefined }).handle);
      const accounts = new AdminAccountService(new PasswordHasher(config.argon2), new CommandPipeline<CommandContext, AuditEntry, AuditLog>(new AuditService(), bus));
      await command({ em: orm.em.fork(), accounts, announce: (reason) => epoch.bump(reason) });
    } finally {
      await orm.close(true);
    }
  } finally {
    await database.stop();
  }
}

/** Prints what went wrong (never a hash or a password) and exits 1; usage errors exit 2. */
export function failed(error: unknown): never {
  if (error instanceof ValidationError) {
    process.stderr.write(`${error.errors.map((entry) => `${entry.field}: ${entry.message}`).join('\n')}\n`);
  } else {
    process.stderr.write(`${error instanceof DomainError ? error.message : safeErrorMessage(error)}\n`);
  }
  process.exit(1);
}
