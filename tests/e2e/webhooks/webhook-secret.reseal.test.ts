import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { KeyRing } from '../../../src/platform/crypto/key-ring';
import { SecretBox } from '../../../src/platform/crypto/secret.box';
import { WebhookEndpoint } from '../../../src/webhooks/webhook-endpoint.entity';
import { resealWebhookSecrets } from '../../../src/webhooks/webhook-secret.reseal';
import { WebhookSigner } from '../../../src/webhooks/webhook.signer';
import { openMfaDatabase } from '../mfa/mfa-database';

describe('key rotation of webhook signing secrets at rest (npm run mfa:reseal)', () => {
  let db: Awaited<ReturnType<typeof openMfaDatabase>>;
  beforeAll(async () => {
    db = await openMfaDatabase('webhook_reseal');
  });
  afterAll(() => db?.close());

  const k1 = { id: 'k1', key: randomBytes(32) };
  const k2 = { id: 'k2', key: randomBytes(32) };

  it('re-seals current and previous secrets under the new key; deliveries then sign without the old key', async () => {
    const old = new WebhookSigner(new SecretBox(new KeyRing([k1])));
    const secrets = new Map<string, { current: string; previous: string }>();
    const em = db.orm.em.fork();
    for (let i = 0; i < 5; i += 1) {
      const endpoint = em.create(WebhookEndpoint, { url: `https://hooks.example.com/${i}`, events: ['user.created'], secretSealed: '' });
      const current = old.newSecret();
      const previous = old.newSecret();
      endpoint.secretSealed = old.seal(endpoint.id, current);
      endpoint.previousSecretSealed = old.seal(endpoint.id, previous);
      endpoint.previousSecretExpiresAt = new Date(Date.now() + 3600_000);
      secrets.set(endpoint.id, { current, previous });
      em.persist(endpoint);
    }
    await em.flush();

    const rotated = new SecretBox(new KeyRing([k2, k1]));
    expect(await resealWebhookSecrets(db.orm.em.fork(), rotated, 2)).toEqual({ scanned: 5, resealed: 5, skipped: 0 });
    expect(await resealWebhookSecrets(db.orm.em.fork(), rotated, 2)).toEqual({ scanned: 5, resealed: 0, skipped: 0 });

    const newOnly = new WebhookSigner(new SecretBox(new KeyRing([k2])));
    for (const endpoint of await db.orm.em.fork().find(WebhookEndpoint, {})) {
      const { current, previous } = secrets.get(endpoint.id)!;
      const at = new Date(Math.floor(Date.now() / 1000) * 1000);
      const header = newOnly.signature(endpoint, 'msg_1', at, '{"a":1}');
      const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(at.getTime() / 1000), 'webhook-signature': header };
      expect(new Webhook(current).verify('{"a":1}', headers)).toEqual({ a: 1 });
      expect(new Webhook(previous).verify('{"a":1}', headers)).toEqual({ a: 1 });
    }
  });
});
