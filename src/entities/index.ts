import { AuditLog } from './audit-log.entity';
import { PasswordHistory } from './password-history.entity';
import { Session } from './session.entity';
import { User } from './user.entity';

export { AuditLog, PasswordHistory, Session, User };
export { UserRole } from './user-role';
export const entities = [User, Session, AuditLog, PasswordHistory];
