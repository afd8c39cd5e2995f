import type { StatementBatch } from '../../platform/commands/statement.batch';
import type { Session } from './session.entity';

/**
 * A new session's row, staged on the write's batch: it goes to PostgreSQL with the write's audit and
 * outbox rows in one statement, not through the ORM's flush (a login opens one for every password).
 */
export function stageSessionInsert(batch: StatementBatch, session: Session): void {
  batch.add(
    `insert into "sessions" ("id", "user_id", "token_hash", "previous_token_hash", "rotated_at", "security_stamp", "ip_address", "user_agent", "expires_at", "created_at", "last_used_at")
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [session.id, session.user.id, session.tokenHash, session.previousTokenHash, session.rotatedAt, session.securityStamp, session.ipAddress, session.userAgent, session.expiresAt, session.createdAt, session.lastUsedAt],
    [session],
  );
}
