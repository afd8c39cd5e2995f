import { randomBytes } from 'node:crypto';
import type { Actor } from '../../src/context/request-context';
import { KeyRing } from '../../src/platform/crypto/key-ring';
import { SecretBox } from '../../src/platform/crypto/secret.box';
import { ConflictError, ForbiddenError, NotFoundError, UnauthenticatedError, ValidationError } from '../../src/platform/errors/domain.errors';
import { UserRole } from '../../src/users/user-role';
import { WebhookEndpoint } from '../../src/webhooks/webhook-endpoint.entity';
import { webhookSecretContext, WebhookSigner } from '../../src/webhooks/webhook.signer';
import { WebhookService } from '../../src/webhooks/webhook.service';
import { WebhookTargetGuard } from '../../src/webhooks/webhook-target.guard';
import { fakeUnitOfWork } from '../support/fake-unit-of-work';

const actor = (role: UserRole): Actor => ({ id: 'admin-1', role, username: 'a', sessionId: 's', tokenId: 't', tokenExpiresAt: new Date(0) });
const ADMIN = actor(UserRole.ADMIN);
const URL_WITH_TOKEN = 'https://hooks.example.com/services/very-secret-path-token';

function setUp() {
  const box = new SecretBox(new KeyRing([{ id: 'k1', key: randomBytes(32) }]));
  const endpoints = new Map<string, WebhookEndpoint>();
  const uow = fakeUnitOfWork(new Map(), {
    // The entity class's own defaults (id, enabled...), as the ORM would make it.
    create: (entity, data) => (entity === WebhookEndpoint ? (Object.assign(new WebhookEndpoint(), data) as unknown as Record<string, unknown>) : { ...data }),
    findOne: async (_entity, where) => endpoints.get(where.id as string) ?? null,
  });
  uow.bus.subscribe('WebhookDeliveriesScheduled', 'recorder', (event) => void uow.events.push(event));
  const service = new WebhookService(uow.commands, new WebhookSigner(box), new WebhookTargetGuard({ allowHttp: false, allowedHosts: [] }));
  const created = () => uow.committed.filter((row): row is WebhookEndpoint & Record<string, unknown> => row instanceof WebhookEndpoint);
  return { service, box, endpoints, created, ...uow };
}

describe('WebhookService (no database)', () => {
  it('registers an endpoint: the secret answered once, sealed to the endpoint, audited by host only', async () => {
    const { service, box, created, committed, audits, context } = setUp();
    const { webhook, secret } = await service.create(context(ADMIN), { url: URL_WITH_TOKEN, events: ['user.created'], description: 'CRM' });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(created()).toEqual([webhook]);
    expect(webhook).toMatchObject({ url: URL_WITH_TOKEN, events: ['user.created'], description: 'CRM', enabled: true, createdBy: 'admin-1' });
    expect(box.openText(webhook.secretSealed, webhookSecretContext(webhook.id))).toBe(secret);
    expect(() => box.openText(webhook.secretSealed, webhookSecretContext('another-endpoint'))).toThrow();
    expect(audits()).toEqual([{ action: 'webhook.created', entityId: webhook.id, userId: 'admin-1' }]);
    const audit = committed.find((row) => row.action === 'webhook.created')!;
    expect(audit.newValues).toEqual({ host: 'hooks.example.com', events: ['user.created'] });
  });

  it('refuses anyone but an admin before judging the body, and a URL the guard refuses as a field error', async () => {
    const { service, committed, context } = setUp();
    await expect(service.create(context(null), {})).rejects.toBeInstanceOf(UnauthenticatedError);
    await expect(service.create(context(actor(UserRole.MODERATOR)), { nonsense: 1 })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(service.list(context(actor(UserRole.USER)))).rejects.toBeInstanceOf(ForbiddenError);
    const refused = service.create(context(ADMIN), { url: 'http://hooks.example.com/x', events: ['user.created'] });
    await expect(refused).rejects.toBeInstanceOf(ValidationError);
    await expect(refused).rejects.toMatchObject({ errors: [{ field: 'url', message: expect.stringMatching(/must be https/) }] });
    expect(committed).toEqual([]);
  });

  it('rotates: a new secret, the old one kept for 24 hours as the previous', async () => {
    const { service, box, endpoints, context, audits } = setUp();
    const { webhook, secret } = await service.create(context(ADMIN), { url: URL_WITH_TOKEN, events: ['user.created'] });
    endpoints.set(webhook.id, webhook);
    const rotated = await service.rotateSecret(context(ADMIN), webhook.id);
    expect(rotated.secret).not.toBe(secret);
    expect(box.openText(webhook.secretSealed, webhookSecretContext(webhook.id))).toBe(rotated.secret);
    expect(box.openText(webhook.previousSecretSealed!, webhookSecretContext(webhook.id))).toBe(secret);
    expect(webhook.previousSecretExpiresAt!.getTime() - Date.now()).toBeGreaterThan(23.9 * 3600_000);
    expect(audits().map((audit) => audit.action)).toEqual(['webhook.created', 'webhook.secret_rotated']);
  });

  it('re-enabling an endpoint the server disabled clears the reason and its failing streak, and wakes the deliveries', async () => {
    const { service, endpoints, context, events } = setUp();
    const { webhook } = await service.create(context(ADMIN), { url: URL_WITH_TOKEN, events: ['user.created'] });
    Object.assign(webhook, { enabled: false, disabledReason: 'failing', failingSince: new Date(0) });
    endpoints.set(webhook.id, webhook);
    const updated = await service.update(context(ADMIN), webhook.id, { enabled: true });
    expect(updated).toMatchObject({ enabled: true, disabledReason: null, failingSince: null });
    expect(events.filter((event) => event.type === 'WebhookDeliveriesScheduled')).toEqual([{ type: 'WebhookDeliveriesScheduled', webhookId: webhook.id }]);
    await expect(service.update(context(ADMIN), webhook.id, { enabled: false })).resolves.toMatchObject({ enabled: false, disabledReason: 'admin' });
  });

  it('answers 404 for an unknown endpoint and 409 for a test ping to a disabled one', async () => {
    const { service, endpoints, context } = setUp();
    await expect(service.get(context(ADMIN), '11111111-1111-4111-8111-111111111111')).rejects.toBeInstanceOf(NotFoundError);
    const { webhook } = await service.create(context(ADMIN), { url: URL_WITH_TOKEN, events: ['user.created'] });
    Object.assign(webhook, { enabled: false });
    endpoints.set(webhook.id, webhook);
    await expect(service.test(context(ADMIN), webhook.id)).rejects.toBeInstanceOf(ConflictError);
  });
});
