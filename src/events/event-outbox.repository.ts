import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { CatalogueEvent } from './catalogue-event.mapper';
import type { StatementBatch } from '../platform/commands/statement.batch';

/** The type of the outbox rows that only feed the Redis stream `audit` (one per audit row; never a webhook). */
export const AUDIT_RECORDED = 'audit.recorded';

/** One row of event_outbox as a write inserts it. */
export interface OutboxRow {
  id: string;
  type: string;
  subject: string | null;
  sequence: number | null;
  actor: string | null;
  occurredAt: Date;
  data: Record<string, unknown>;
  /** Still to be handed to the webhooks subscribed to its type (the relay's fan-out). */
  fanOut: boolean;
  /** Still to be published to the Redis stream. */
  stream: boolean;
}

/**
 * Takes the next `count` numbers of `subject`'s sequence and returns the first. The counter's row
 * stays locked until the write commits, so two writes about one user are numbered in the order they
 * commit, without gaps (a rolled-back write gives its numbers back).
 */
async function reserveSequence(em: EntityManager, subject: string, count: number): Promise<number> {
  const rows: { last_sequence: string }[] = await em.execute(
    `insert into "event_sequences" ("subject", "last_sequence") values (?, ?)
     on conflict ("subject") do update set "last_sequence" = "event_sequences"."last_sequence" + excluded."last_sequence"
     returning "last_sequence"`,
    [subject, count],
  );
  return Number(rows[0].last_sequence) - count + 1;
}

/**
 * Gives each event of a write its id, time and (per subject, in the order given) sequence, and
 * inserts them with `extra` rows (the audit stream's) in the caller's transaction. Subjects are
 * numbered in a fixed order, so two writes about the same two users cannot wait on each other.
 */
export async function appendToOutbox(
  em: EntityManager,
  events: readonly CatalogueEvent[],
  origin: { actorId: string | null; occurredAt?: Date; fanOut?: boolean },
  extra: readonly OutboxRow[] = [],
): Promise<OutboxRow[]> {
  const occurredAt = origin.occurredAt ?? new Date();
  const next = new Map<string, number>();
  for (const subject of [...new Set(events.flatMap((event) => (event.subject ? [event.subject] : [])))].sort()) {
    next.set(subject, await reserveSequence(em, subject, events.filter((event) => event.subject === subject).length));
  }
  const rows: OutboxRow[] = events.map((event) => {
    const sequence = event.subject ? next.get(event.subject)! : null;
    if (event.subject) next.set(event.subject, sequence! + 1);
    return { id: randomUUID(), type: event.type, subject: event.subject, sequence, actor: origin.actorId, occurredAt, data: event.data, fanOut: origin.fanOut ?? true, stream: false };
  });
  await insertOutboxRows(em, [...extra, ...rows]);
  return rows;
}

/**
 * As appendToOutbox, staged on the write's batch instead of sent: the sequence counters and the rows
 * in one round trip with the write's other inserts. Each subject's counter is bumped by one member
 * (subjects in a fixed order, as above) and the rows take their numbers from what it returns.
 */
export function stageOutbox(
  batch: StatementBatch,
  events: readonly CatalogueEvent[],
  origin: { actorId: string | null; occurredAt?: Date; fanOut?: boolean },
  extra: readonly OutboxRow[] = [],
): void {
  const occurredAt = origin.occurredAt ?? new Date();
  const counts = new Map<string, number>();
  for (const event of events) if (event.subject) counts.set(event.subject, (counts.get(event.subject) ?? 0) + 1);
  const subjects = [...counts.keys()].sort();
  const counters =
    subjects.length === 0
      ? null
      : batch.add(
          `insert into "event_sequences" ("subject", "last_sequence") values ${subjects.map(() => '(?, ?)').join(', ')}
           on conflict ("subject") do update set "last_sequence" = "event_sequences"."last_sequence" + excluded."last_sequence"
           returning "subject", "last_sequence"`,
          subjects.flatMap((subject) => [subject, counts.get(subject)]),
        );
  const seen = new Map<string, number>();
  const values: string[] = [];
  const params: unknown[] = [];
  for (const row of extra) {
    values.push('(?, ?, ?, ?, ?, ?, ?, ?, ?)');
    params.push(row.id, row.type, row.subject, row.sequence, row.actor, row.occurredAt, JSON.stringify(row.data), row.fanOut, row.stream);
  }
  for (const event of events) {
    if (event.subject) {
      // The k-th of n events of a subject: last_sequence - (n - 1 - k), so they run on without gaps.
      const k = seen.get(event.subject) ?? 0;
      seen.set(event.subject, k + 1);
      values.push(`(?, ?, ?, (select "last_sequence" from "${counters}" where "subject" = ?) - ?, ?, ?, ?, ?, ?)`);
      params.push(randomUUID(), event.type, event.subject, event.subject, (counts.get(event.subject) as number) - 1 - k, origin.actorId, occurredAt, JSON.stringify(event.data), origin.fanOut ?? true, false);
    } else {
      values.push('(?, ?, ?, ?, ?, ?, ?, ?, ?)');
      params.push(randomUUID(), event.type, null, null, origin.actorId, occurredAt, JSON.stringify(event.data), origin.fanOut ?? true, false);
    }
  }
  if (values.length === 0) return;
  batch.add(
    `insert into "event_outbox" ("id", "type", "subject", "sequence", "actor", "occurred_at", "data", "fanout_pending", "stream_pending") values ${values.join(', ')}`,
    params,
  );
}

async function insertOutboxRows(em: EntityManager, rows: readonly OutboxRow[]): Promise<void> {
  if (rows.length === 0) return;
  const values = rows.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ');
  const params = rows.flatMap((row) => [row.id, row.type, row.subject, row.sequence, row.actor, row.occurredAt, JSON.stringify(row.data), row.fanOut, row.stream]);
  await em.execute(
    `insert into "event_outbox" ("id", "type", "subject", "sequence", "actor", "occurred_at", "data", "fanout_pending", "stream_pending") values ${values}`,
    params,
  );
}
