import { contextOf, requireJsonBody } from '../http/json-body';
import { parseQueryParams } from '../http/query-params';
import { canonicalRouter, type RouteGuard } from '../http/route.guard';
import { presentWebhook, presentWebhookDelivery } from './webhook.presenter';
import type { WebhookService } from './webhook.service';

/** The deliveries list's query: the service judges the values. */
export const DELIVERY_LIST_PARAMS = { status: 'string', limit: 'int' } as const;

/** /v1/webhooks: endpoints and their deliveries, for admins; thin handlers over the service GraphQL uses too. */
export function webhooksRouter(services: { webhooks: WebhookService }, guard: RouteGuard) {
  const router = canonicalRouter();
  const { webhooks } = services;

  router.post('/', guard, requireJsonBody, async (req, res) => {
    const { webhook, secret } = await webhooks.create(contextOf(res), req.body);
    // The secret is shown this once: no cache may keep it.
    res.status(201).location(`/v1/webhooks/${webhook.id}`).set('Cache-Control', 'no-store').json({ ...presentWebhook(webhook), secret });
  });

  router.get('/', guard, async (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ data: (await webhooks.list(contextOf(res))).map(presentWebhook) });
  });

  router.get('/:id', guard, async (req, res) => {
    res.set('Cache-Control', 'no-store').json(presentWebhook(await webhooks.get(contextOf(res), String(req.params.id))));
  });

  router.patch('/:id', guard, requireJsonBody, async (req, res) => {
    res.json(presentWebhook(await webhooks.update(contextOf(res), String(req.params.id), req.body)));
  });

  router.delete('/:id', guard, async (req, res) => {
    await webhooks.delete(contextOf(res), String(req.params.id));
    res.status(204).end();
  });

  router.post('/:id/rotate-secret', guard, async (req, res) => {
    const { webhook, secret } = await webhooks.rotateSecret(contextOf(res), String(req.params.id));
    res.set('Cache-Control', 'no-store').json({ ...presentWebhook(webhook), secret });
  });

  router.get('/:id/deliveries', guard, async (req, res) => {
    const query = parseQueryParams(req.query as Record<string, unknown>, DELIVERY_LIST_PARAMS) as { status?: string; limit?: number };
    const deliveries = await webhooks.deliveries(contextOf(res), String(req.params.id), query);
    res.set('Cache-Control', 'no-store').json({ data: deliveries.map(presentWebhookDelivery) });
  });

  router.post('/:id/deliveries/:deliveryId/redeliver', guard, async (req, res) => {
    res.status(202).json(presentWebhookDelivery(await webhooks.redeliver(contextOf(res), String(req.params.id), String(req.params.deliveryId))));
  });

  router.post('/:id/test', guard, async (req, res) => {
    res.status(202).json(presentWebhookDelivery(await webhooks.test(contextOf(res), String(req.params.id))));
  });

  return router;
}
