import { UserRole } from '../../../src/users/user-role';
import { signedIn, type SignedIn } from '../../support/factories';
import type { ApiClient } from '../../support/http';
import type { TestServer } from '../../support/test-server';
import type { SmtpSink } from '../mail/smtp-sink';
import { linkPath, linkToken, mailsTo, nextMail, startServerWithSmtp } from '../account/mailbox';

const UPDATE = 'mutation ($id: UUID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { email emailVerified pendingEmail } }';
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * An owner's new address waits for the link mailed there (the old one is told, without a link); an
 * admin's applies at once, unverified unless vouched for, with a verification mail.
 */
describe('changing the e-mail address', () => {
  let sink: SmtpSink;
  let server: TestServer;
  let api: ApiClient;
  let admin: SignedIn;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ sink, server, api, stop } = await startServerWithSmtp());
    admin = await signedIn(server, api, UserRole.ADMIN);
  });

  afterAll(() => stop());

  const verifiedUser = () => signedIn(server, api, UserRole.USER, { emailVerified: true });

  it("an owner's change waits in pendingEmail; the new address confirms it, the old one is told without a link", async () => {
    const user = await verifiedUser();
    const newEmail = `new_${user.email}`;
    const patched = await api.patch(`/v1/users/${user.id}`, { email: newEmail }, { token: user.token });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ email: user.email, emailVerified: true, pendingEmail: newEmail });

    const confirm = await nextMail(sink, newEmail);
    expect(linkPath(confirm)).toBe('/account/confirm-email');
    const notice = await nextMail(sink, user.email);
    expect(notice.text).not.toMatch(/token=/);
    expect(notice.html).not.toMatch(/token=/);
    // The notice names the new address masked: enough for the owner, not for a harvester.
    expect(notice.text).not.toContain(newEmail);

    const confirmed = await api.post('/v1/auth/email/confirm-change', { token: linkToken(confirm) });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.email).toBe(newEmail);
    const after = await api.get(`/v1/users/${user.id}`, { token: user.token });
    expect(after.body).toMatchObject({ email: newEmail, emailVerified: true, pendingEmail: null });
    expect((await api.post('/v1/auth/email/confirm-change', { token: linkToken(confirm) })).body.code).toBe('TOKEN_USED');
  });

  it('through GraphQL too; a newer request makes the older link stop working', async () => {
    const user = await verifiedUser();
    const first = await api.graphql(UPDATE, { id: user.id, input: { email: `gql1_${user.email}` } }, user.token);
    expect(first.data?.updateUser).toEqual({ email: user.email, emailVerified: true, pendingEmail: `gql1_${user.email}` });
    const firstToken = linkToken(await nextMail(sink, `gql1_${user.email}`));
    await api.graphql(UPDATE, { id: user.id, input: { email: `gql2_${user.email}` } }, user.token);
    const secondToken = linkToken(await nextMail(sink, `gql2_${user.email}`));
    const stale = await api.graphql('mutation($t: String!) { confirmEmailChange(input: { token: $t }) { email } }', { t: firstToken });
    expect(stale.errors?.[0].extensions.code).toBe('TOKEN_EXPIRED');
    const ok = await api.graphql('mutation($t: String!) { confirmEmailChange(input: { token: $t }) { email } }', { t: secondToken });
    expect(ok.data?.confirmEmailChange.email).toBe(`gql2_${user.email}`);
  });

  it('a taken address is refused when asked for, and when confirmed after someone took it meanwhile', async () => {
    const user = await verifiedUser();
    const other = await verifiedUser();
    expect((await api.patch(`/v1/users/${user.id}`, { email: other.email }, { token: user.token })).status).toBe(409);

    const wanted = `race_${user.email}`;
    await api.patch(`/v1/users/${user.id}`, { email: wanted }, { token: user.token });
    const token = linkToken(await nextMail(sink, wanted));
    expect((await api.put(`/v1/users/${other.id}`, { username: other.username, firstName: 'O', lastName: 'T', email: wanted }, { token: admin.token })).status).toBe(200);
    const late = await api.post('/v1/auth/email/confirm-change', { token });
    expect(late.status).toBe(409);
    expect((await api.get(`/v1/users/${user.id}`, { token: user.token })).body.email).toBe(user.email);
  });

  it("an admin's change applies at once, unverified, with a verification mail to the new address and a notice to the old", async () => {
    const user = await verifiedUser();
    const body = { username: user.username, firstName: 'A', lastName: 'B' };
    const replaced = await api.put(`/v1/users/${user.id}`, { ...body, email: `put_${user.email}` }, { token: admin.token });
    expect(replaced.body).toMatchObject({ email: `put_${user.email}`, emailVerified: false, pendingEmail: null });
    const verify = await nextMail(sink, `put_${user.email}`);
    expect(linkPath(verify)).toBe('/account/verify-email');
    expect((await nextMail(sink, user.email)).subject).toMatch(/was changed/);
    expect((await api.post('/v1/auth/email/verify', { token: linkToken(verify) })).status).toBe(200);

    const vouched = await api.put(`/v1/users/${user.id}`, { ...body, email: `put2_${user.email}`, emailVerified: true }, { token: admin.token });
    expect(vouched.body).toMatchObject({ email: `put2_${user.email}`, emailVerified: true });
    await delay(500);
    expect(mailsTo(sink, `put2_${user.email}`)).toHaveLength(0);
  });

  it('another spelling of the same mailbox (letter case) is no change: nothing pending, still verified', async () => {
    const user = await verifiedUser();
    const recased = await api.patch(`/v1/users/${user.id}`, { email: user.email.toUpperCase(), lastName: 'Same' }, { token: user.token });
    expect(recased.body).toMatchObject({ email: user.email, emailVerified: true, pendingEmail: null });
  });

  it('is audited: the request, then the change', async () => {
    const user = await verifiedUser();
    await api.patch(`/v1/users/${user.id}`, { email: `audit_${user.email}` }, { token: user.token });
    await api.post('/v1/auth/email/confirm-change', { token: linkToken(await nextMail(sink, `audit_${user.email}`)) });
    const audit = await api.get(`/v1/users/${user.id}/audit-logs`, { token: admin.token });
    const actions = audit.body.data.filter((entry: { entityId: string }) => entry.entityId === user.id).map((entry: { action: string }) => entry.action);
    expect(actions).toEqual(expect.arrayContaining(['user.email_change_requested', 'user.updated']));
    const updated = audit.body.data.find((entry: { action: string; entityId: string; newValues: { email?: string } }) => entry.action === 'user.updated' && entry.newValues?.email);
    expect(updated).toMatchObject({ oldValues: { email: user.email }, newValues: { email: `audit_${user.email}`, emailVerified: true } });
  });
});
