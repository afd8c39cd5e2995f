/** What an audit row says happened: the audit trail's and the operation table's shared vocabulary. */
export type AuditAction =
  | 'user.created'
  | 'user.updated'
  | 'user.deleted'
  | 'user.role_changed'
  | 'user.activated'
  | 'user.deactivated'
  | 'auth.login'
  | 'auth.login_failed'
  | 'auth.logout'
  | 'auth.refresh_reuse_detected'
  | 'auth.password_changed'
  | 'session.revoked'
  | 'auth.passkey_registered'
  | 'auth.passkey_renamed'
  | 'auth.passkey_removed'
  | 'auth.passkey_clone_detected';
