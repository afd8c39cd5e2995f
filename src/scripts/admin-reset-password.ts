import { parseArgs } from 'node:util';
import { failed, passwordFrom, runAdminCommand } from './admin-cli';

/**
 * `npm run admin:reset-password -- --login NAME_OR_EMAIL [--password-stdin]`: a new password for
 * any account (a locked-out admin: the renewed security stamp lifts its login lock-out), which also
 * ends every session of that account, on running instances too (the revocation epoch is bumped and
 * announced). Audited.
 */
async function run(): Promise<void> {
  const { values } = parseArgs({ options: { login: { type: 'string' }, 'password-stdin': { type: 'boolean' } } });
  if (!values.login) {
    process.stderr.write('Usage: npm run admin:reset-password -- --login USERNAME_OR_EMAIL [--password-stdin]   (or ADMIN_PASSWORD=...; else one is generated)\n');
    process.exit(2);
  }
  const { password, generated } = await passwordFrom(values['password-stdin']);
  await runAdminCommand(async ({ em, accounts, announce }) => {
    const { user, sessionsEnded } = await accounts.resetPassword(em, values.login as string, password);
    await announce('an operator reset a password');
    process.stdout.write(`Reset the password of ${user.username} (${user.id}); ended ${sessionsEnded} session(s).\n`);
    if (generated) process.stdout.write(`Password (shown once, change it after signing in): ${password}\n`);
  });
}

run().catch(failed);
