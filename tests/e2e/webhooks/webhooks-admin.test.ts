import { UserRole } from '../../../src/users/user-role';
import { signedIn } from '../../support/factories';
import { useTestServer } from '../../support/use-test-server';

const URL_WITH_TOKEN = 'https://hooks.example.com/services/T000/B000/very-secret-path-token';

describe('the webhooks admin API', () => {
  const ctx = useTestServer({}, { admin: true });

  async function sql<T = Record<string, any>>(query: string, params: unknown[] = []): Promise<T[]> {
    return (await ctx.server.orm.em.fork().getConnection().execute(query, params)) as T[];
  }

  const create = (body: Record<string, unknown>, token = ctx.admin.token) => ctx.api.post('/v1/webhooks', body, { token });

  it('is for admins only: 401 without a token, 403 for a user or a moderator, whatever the body', async () => {
    const plain = await signedIn(ctx.server, ctx.api, UserRole.USER);
    const moderator = await signedIn(ctx.server, ctx.api, UserRole.MODERATOR);
    expect((await ctx.api.post('/v1/webhooks', { url: URL_WITH_TOKEN, events: ['user.created'] })).status).toBe(401);
    for (const caller of [plain, moderator]) {
      expect((await create({ url: URL_WITH_TOKEN, events: ['user.created'] }, caller.token)).status).toBe(403);
      expect((await create({ nonsense: true }, caller.token)).status).toBe(403);
      expect((await ctx.api.get('/v1/webhooks', { token: caller.token })).status).toBe(403);
    }
    const graphql = await ctx.api.graphql('{ webhooks { id } }', {}, plain.token);
    expect(graphql.errors?.[0].extensions.code).toBe('FORBIDDEN');
  });

  it('creates (201, the secret once), reads, lists, changes and deletes an endpoint', async () => {
    const created = await create({ url: URL_WITH_TOKEN, events: ['user.created', 'user.deleted'], description: 'CRM' });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/v1/webhooks/${created.body.id}`);
    expect(created.headers.get('cache-control')).toBe('no-store');
    expect(created.body).toMatchObject({ url: URL_WITH_TOKEN, events: ['user.created', 'user.deleted'], description: 'CRM', enabled: true, disabledReason: null, previousSecretExpiresAt: null });
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const { id, secret } = created.body;

    const read = await ctx.api.get(`/v1/webhooks/${id}`, { token: ctx.admin.token });
    expect(read.status).toBe(200);
    expect(read.body).not.toHaveProperty('secret');
    expect(JSON.stringify(read.body)).not.toContain(secret.slice(6));
    expect((await ctx.api.get('/v1/webhooks', { token: ctx.admin.token })).body.data.map((hook: { id: string }) => hook.id)).toContain(id);

    const patched = await ctx.api.patch(`/v1/webhooks/${id}`, { events: ['session.revoked'], enabled: false, description: null }, { token: ctx.admin.token });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ events: ['session.revoked'], enabled: false, disabledReason: 'admin', description: null });
    expect((await ctx.api.patch(`/v1/webhooks/${id}`, { enabled: true }, { token: ctx.admin.token })).body).toMatchObject({ enabled: true, disabledReason: null });

    expect((await ctx.api.get(`/v1/webhooks/${id}/deliveries`, { token: ctx.admin.token })).body).toEqual({ data: [] });
    expect((await ctx.api.delete(`/v1/webhooks/${id}`, { token: ctx.admin.token })).status).toBe(204);
    expect((await ctx.api.get(`/v1/webhooks/${id}`, { token: ctx.admin.token })).status).toBe(404);
    expect((await ctx.api.delete(`/v1/webhooks/${id}`, { token: ctx.admin.token })).status).toBe(404);
  });

  it('refuses unknown event types, the test ping, unknown fields and bad delivery filters', async () => {
    for (const body of [
      { url: URL_WITH_TOKEN, events: ['user.exploded'] },
      { url: URL_WITH_TOKEN, events: ['webhook.test'] },
      { url: URL_WITH_TOKEN, events: [] },
      { url: URL_WITH_TOKEN, events: ['user.created', 'user.created'] },
      { url: URL_WITH_TOKEN, events: ['user.created'], secret: 'whsec_mine' },
    ]) {
      expect({ body, status: (await create(body)).status }).toEqual({ body, status: 422 });
    }
    const { id } = (await create({ url: URL_WITH_TOKEN, events: ['user.created'] })).body;
    expect((await ctx.api.get(`/v1/webhooks/${id}/deliveries?status=lost`, { token: ctx.admin.token })).status).toBe(422);
    expect((await ctx.api.get(`/v1/webhooks/${id}/deliveries?limit=1000`, { token: ctx.admin.token })).status).toBe(422);
    expect((await ctx.api.get(`/v1/webhooks/not-a-uuid`, { token: ctx.admin.token })).status).toBe(400);
  });

  it('keeps the secret sealed at rest and out of the audit trail, which names the host only', async () => {
    const created = await create({ url: URL_WITH_TOKEN, events: ['user.created'] });
    const { id, secret } = created.body;
    await ctx.api.post(`/v1/webhooks/${id}/rotate-secret`, {}, { token: ctx.admin.token });
    const [row] = await sql<{ secret_sealed: string; previous_secret_sealed: string }>('select secret_sealed, previous_secret_sealed from webhook_endpoints where id = ?', [id]);
    expect(row.secret_sealed).toMatch(/^v1\./);
    expect(row.previous_secret_sealed).toMatch(/^v1\./);
    expect(JSON.stringify(row)).not.toContain(secret.slice(6));
    const audits = await sql<{ action: string; user_id: string; new_values: unknown }>('select action, user_id, new_values from audit_logs where entity_id = ? order by created_at', [id]);
    expect(audits.map((audit) => [audit.action, audit.user_id])).toEqual([
      ['webhook.created', ctx.admin.id],
      ['webhook.secret_rotated', ctx.admin.id],
    ]);
    expect(audits[0].new_values).toEqual({ host: 'hooks.example.com', events: ['user.created'] });
    expect(JSON.stringify(audits)).not.toMatch(/very-secret-path-token|whsec_/);
  });

  it('GraphQL: the same service through the other door', async () => {
    const created = await ctx.api.graphql(
      'mutation ($input: CreateWebhookInput!) { createWebhook(input: $input) { secret webhook { id url events enabled } } }',
      { input: { url: URL_WITH_TOKEN, events: ['user.updated'], description: 'search index' } },
      ctx.admin.token,
    );
    expect(created.errors).toBeUndefined();
    const { secret, webhook } = created.data.createWebhook;
    expect(secret).toMatch(/^whsec_/);
    expect(webhook).toMatchObject({ url: URL_WITH_TOKEN, events: ['user.updated'], enabled: true });

    const updated = await ctx.api.graphql('mutation ($id: UUID!) { updateWebhook(id: $id, input: { enabled: false }) { enabled disabledReason events } }', { id: webhook.id }, ctx.admin.token);
    expect(updated.data.updateWebhook).toEqual({ enabled: false, disabledReason: 'admin', events: ['user.updated'] });
    const test = await ctx.api.graphql('mutation ($id: UUID!) { testWebhook(id: $id) { id } }', { id: webhook.id }, ctx.admin.token);
    expect(test.errors?.[0].extensions.code).toBe('CONFLICT');
    const rotated = await ctx.api.graphql('mutation ($id: UUID!) { rotateWebhookSecret(id: $id) { secret webhook { previousSecretExpiresAt } } }', { id: webhook.id }, ctx.admin.token);
    expect(rotated.data.rotateWebhookSecret.secret).not.toBe(secret);
    const listed = await ctx.api.graphql('query ($id: UUID!) { webhook(id: $id) { id } webhooks { id } webhookDeliveries(webhookId: $id) { id } }', { id: webhook.id }, ctx.admin.token);
    expect(listed.data.webhook.id).toBe(webhook.id);
    expect(listed.data.webhookDeliveries).toEqual([]);
    const invalid = await ctx.api.graphql('mutation { createWebhook(input: { url: "http://10.0.0.1/x", events: ["user.created"] }) { secret } }', {}, ctx.admin.token);
    expect(invalid.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect((await ctx.api.graphql('mutation ($id: UUID!) { deleteWebhook(id: $id) }', { id: webhook.id }, ctx.admin.token)).data.deleteWebhook).toBe(true);
  });
});
