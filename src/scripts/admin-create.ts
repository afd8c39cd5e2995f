import { parseArgs } from 'node:util';
import { failed, passwordFrom, runAdminCommand } from './admin-cli';

/**
 * `npm run admin:create -- --username NAME --email ADDRESS [--password-stdin]`: a new admin, for a
 * service that lost its own (works with the service stopped or running). The password comes from
 * standard input, ADMIN_PASSWORD, or is generated and printed once.
 */
async function run(): Promise<void> {
  const { values } = parseArgs({ options: { username: { type: 'string' }, email: { type: 'string' }, 'password-stdin': { type: 'boolean' } } });
  if (!values.username || !values.email) {
    process.stderr.write('Usage: npm run admin:create -- --username NAME --email ADDRESS [--password-stdin]   (or ADMIN_PASSWORD=...; else one is generated)\n');
    process.exit(2);
  }
  const { password, generated } = await passwordFrom(values['password-stdin']);
  await runAdminCommand(async ({ em, accounts }) => {
    const user = await accounts.createAdmin(em, { username: values.username as string, email: values.email as string, password });
    process.stdout.write(`Created admin ${user.username} (${user.id}).\n`);
    if (generated) process.stdout.write(`Password (shown once, change it after signing in): ${password}\n`);
  });
}

run().catch(failed);
