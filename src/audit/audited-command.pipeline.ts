import type { CommandPipeline, UnitOfWork } from '../platform/commands/command.pipeline';
import type { RequestContext } from '../context/request-context';
import type { AuditLog } from './audit-log.entity';
import type { AuditEntry } from './audit.service';

/** Who acts in a write's audit rows, and the EntityManager its transaction starts from. */
export type CommandContext = Pick<RequestContext, 'actor' | 'ipAddress' | 'em'>;

/** The pipeline every write of this API runs through: its audit rows are AuditLog rows. */
export type AuditedCommands = CommandPipeline<CommandContext, AuditEntry, AuditLog>;

export type AuditedUnitOfWork = UnitOfWork<AuditEntry>;
