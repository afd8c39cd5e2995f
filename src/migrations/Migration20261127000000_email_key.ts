import { Migration } from '@mikro-orm/migrations';
// Frozen with this migration: the application's rule may change, what this migration did may not.
import { checkEmail, emailKey } from './support/email-rule.v1';

interface UserEmailRow {
  id: string;
  email: string;
  deleted_at: string | null;
}

const BATCH = 1000;

/**
 * E-mail uniqueness moves from lower(email) to a comparison key (NFKC, case folded, domain in
 * punycode), so look-alike spellings of one mailbox are one account. Existing rows are backfilled
 * here, in JavaScript, with the rule as it was when this migration was written (support/email-rule.v1.ts,
 * a frozen copy of src/platform/validation/email/email.address.ts, held to it by tests/migrations):
 * - stored addresses become NFC (a canonical equivalent: the same text, one spelling);
 * - rows that break today's rule keep their address, are still served, and get `email_issue`
 *   (why), so an operator can find them: `select id, email, email_issue from users where email_issue is not null`;
 * - of live rows that now share a key, the oldest keeps it; the others get no key (they sign in by
 *   username and are asked to change the address) and the issue names the account they collide with.
 */
export class Migration20261127000000_email_key extends Migration {
  override async up(): Promise<void> {
    await this.execute('alter table "users" add column "email_key" text null, add column "email_issue" text null;');
    const rows = (await this.execute('select "id", "email", "deleted_at" from "users" order by "created_at", "id"')) as UserEmailRow[];
    const holders = new Map<string, string>();
    const updates = rows.map((row) => {
      const checked = checkEmail(row.email);
      const email = checked.ok ? checked.email : row.email.normalize('NFC');
      let key: string | null = checked.ok ? checked.key : emailKey(email);
      let issue = checked.ok ? null : checked.reason;
      if (row.deleted_at === null) {
        const holder = holders.get(key);
        if (holder) {
          issue = `email is the same address as that of user ${holder}`;
          key = null;
        } else holders.set(key, row.id);
      }
      return { id: row.id, email, key, issue };
    });
    for (let start = 0; start < updates.length; start += BATCH) {
      await this.execute(
        `update "users" as u set "email" = v."email", "email_key" = v."key", "email_issue" = v."issue"
         from jsonb_to_recordset(?::jsonb) as v("id" uuid, "email" text, "key" text, "issue" text) where u."id" = v."id"`,
        [JSON.stringify(updates.slice(start, start + BATCH))],
      );
    }
    await this.execute('drop index if exists "users_email_lower_unique";');
    await this.execute('create unique index "users_email_key_unique" on "users" ("email_key") where "deleted_at" is null;');
  }

  override async down(): Promise<void> {
    this.addSql('drop index if exists "users_email_key_unique";');
    this.addSql('alter table "users" drop column "email_key", drop column "email_issue";');
    // Fails if two live rows differ only in case: the key allowed what lower() did not.
    this.addSql('create unique index "users_email_lower_unique" on "users" (lower("email")) where "deleted_at" is null;');
  }
}
