import type { AuditLog } from './audit-log.entity';

/** The audit rows of one committed write, in the order they were recorded (the stream and stickiness feed on them). */
export interface AuditRecorded {
  readonly type: 'AuditRecorded';
  readonly entries: readonly AuditLog[];
}
