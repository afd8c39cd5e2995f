import { Migration20261125000000_initial } from './Migration20261125000000_initial';
import { Migration20261125010000_audit_archive } from './Migration20261125010000_audit_archive';
import { Migration20261126000000_user_search_trgm } from './Migration20261126000000_user_search_trgm';
import { Migration20261126010000_user_search_trgm_fastupdate } from './Migration20261126010000_user_search_trgm_fastupdate';
import { Migration20261127000000_email_key } from './Migration20261127000000_email_key';
import { Migration20261127010000_user_version } from './Migration20261127010000_user_version';
import { Migration20261127020000_revocation_epoch } from './Migration20261127020000_revocation_epoch';
import { Migration20261127030000_security_stamp } from './Migration20261127030000_security_stamp';
import { Migration20261206000000_mfa } from './Migration20261206000000_mfa';
import { Migration20261206010000_one_time_tokens } from './Migration20261206010000_one_time_tokens';
import { Migration20261206020000_pending_email } from './Migration20261206020000_pending_email';
import { Migration20261206030000_event_outbox } from './Migration20261206030000_event_outbox';
import { Migration20261206040000_webhooks } from './Migration20261206040000_webhooks';
import { Migration20261207010000_users_fillfactor } from './Migration20261207010000_users_fillfactor';

/** Every migration, oldest first; add new ones at the end. */
export const migrationsList = [
  { name: 'Migration20261125000000_initial', class: Migration20261125000000_initial },
  { name: 'Migration20261125010000_audit_archive', class: Migration20261125010000_audit_archive },
  { name: 'Migration20261126000000_user_search_trgm', class: Migration20261126000000_user_search_trgm },
  { name: 'Migration20261126010000_user_search_trgm_fastupdate', class: Migration20261126010000_user_search_trgm_fastupdate },
  { name: 'Migration20261127000000_email_key', class: Migration20261127000000_email_key },
  { name: 'Migration20261127010000_user_version', class: Migration20261127010000_user_version },
  { name: 'Migration20261127020000_revocation_epoch', class: Migration20261127020000_revocation_epoch },
  { name: 'Migration20261127030000_security_stamp', class: Migration20261127030000_security_stamp },
  { name: 'Migration20261206000000_mfa', class: Migration20261206000000_mfa },
  { name: 'Migration20261206010000_one_time_tokens', class: Migration20261206010000_one_time_tokens },
  { name: 'Migration20261206020000_pending_email', class: Migration20261206020000_pending_email },
  { name: 'Migration20261206030000_event_outbox', class: Migration20261206030000_event_outbox },
  { name: 'Migration20261206040000_webhooks', class: Migration20261206040000_webhooks },
  { name: 'Migration20261207010000_users_fillfactor', class: Migration20261207010000_users_fillfactor },
];
