import type { EntityManager } from '@mikro-orm/postgresql';

interface Part {
  readonly name: string;
  readonly sql: string;
  readonly params: readonly unknown[];
  /** What the part writes, as objects (the audit rows, the session): for test doubles that keep rows instead of SQL. */
  readonly rows: readonly object[];
}

/**
 * The inserts of one write (its audit rows, its event outbox rows, rows the work stages, such as a
 * login's session), sent to PostgreSQL as one statement, one round trip, just before the commit:
 * each part becomes a data-modifying member of one WITH. Every member runs exactly once, to
 * completion, on the same snapshot; a member sees another's rows only through what that one
 * `returning`s and names (the outbox numbering its rows from the sequence counter it bumps). So a
 * part may not read rows another part writes, nor touch a row another part touches.
 */
export class StatementBatch {
  private readonly parts: Part[] = [];

  /**
   * Stages one insert (or update/delete) with `?` placeholders; returns the name later parts may
   * select from (what it `returning`s).
   */
  add(sql: string, params: readonly unknown[] = [], rows: readonly object[] = []): string {
    const name = `staged_${this.parts.length + 1}`;
    this.parts.push({ name, sql, params, rows });
    return name;
  }

  /** The objects the staged parts write (see Part.rows). */
  rows(): object[] {
    return this.parts.flatMap((part) => part.rows);
  }

  get size(): number {
    return this.parts.length;
  }

  /** Sends what was staged on `em`'s transaction, as one statement; nothing when nothing was staged. */
  async execute(em: EntityManager): Promise<void> {
    const parts = this.parts.splice(0);
    if (parts.length === 0) return;
    if (parts.length === 1) {
      await em.execute(parts[0].sql, [...parts[0].params]);
      return;
    }
    const members = parts.map((part) => `"${part.name}" as (${part.sql})`).join(',\n');
    await em.execute(`with ${members}\nselect 1`, parts.flatMap((part) => [...part.params]));
  }
}
