// The webhook scenario of `npm run bench` (id `webhooks`): delivery latency from commit to receipt,
// and delivery throughput to one endpoint. A receiver on 127.0.0.1 in this process answers 204 at
// once; the API (NODE_ENV=production) is told to allow it (WEBHOOK_ALLOWED_HOSTS, WEBHOOK_ALLOW_HTTP).
import { once } from 'node:events';
import { createServer } from 'node:http';
import { sleep } from './lib.mjs';

const percentile = (sorted, p) => (sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]);

/** Records, per path, each delivery's event id, its commit time (the body's timestamp) and when it arrived. */
async function startReceiver() {
  const received = new Map();
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const at = Date.now();
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const list = received.get(req.url) ?? [];
      list.push({ id: req.headers['webhook-id'], committedAt: Date.parse(body.timestamp), at });
      received.set(req.url, list);
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 1000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  return { received, url: (path) => `http://127.0.0.1:${port}${path}`, close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(resolve))) };
}

/**
 * `token` is an admin's. `pickUserId` gives seeded
 * user ids (each event is about another user: one user's events are delivered one after another by
 * design, which would measure that user's chain rather than the pipeline).
 */
export async function webhookScenario({ apiUrl, token, pickUserId, rate, seconds, burst, log }) {
  const api = {
    async request(method, path, body, bearer) {
      const response = await fetch(`${apiUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : null };
    },
  };
  const receiver = await startReceiver();
  try {
    const create = async (path) => {
      const created = await api.request('POST', '/v1/webhooks', { url: receiver.url(path), events: ['user.updated'] }, token);
      if (created.status !== 201) throw new Error(`create webhook: ${created.status} ${JSON.stringify(created.body).slice(0, 300)}`);
      return created.body.id;
    };
    const patch = (i) => api.request('PATCH', `/v1/users/${pickUserId()}`, { lastName: `Hook${i}` }, token);

    // Latency: an open loop of writes at `rate`/s, one endpoint subscribed; commit -> receipt of each.
    const latencyHook = await create('/latency');
    const total = Math.round(rate * seconds);
    const writes = [];
    const startedAt = Date.now();
    for (let i = 0; i < total; i += 1) {
      const due = startedAt + (i * 1000) / rate;
      if (due > Date.now()) await sleep(due - Date.now());
      writes.push(patch(i));
    }
    const statuses = (await Promise.all(writes)).map((r) => r.status);
    const deadline = Date.now() + 30_000;
    while ((receiver.received.get('/latency')?.length ?? 0) < total && Date.now() < deadline) await sleep(50);
    const latencies = (receiver.received.get('/latency') ?? []).map((r) => r.at - r.committedAt).sort((a, b) => a - b);
    await api.request('DELETE', `/v1/webhooks/${latencyHook}`, undefined, token);

    // Throughput: `burst` events wait for a disabled endpoint; enabled, how fast do they drain to it?
    const drainHook = await create('/drain');
    await api.request('PATCH', `/v1/webhooks/${drainHook}`, { enabled: false }, token);
    let next = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next < burst) await patch((next += 1));
    }));
    await sleep(3000); // the relay fans them out into pending deliveries
    const enabledAt = Date.now();
    await api.request('PATCH', `/v1/webhooks/${drainHook}`, { enabled: true }, token);
    const drainDeadline = Date.now() + 120_000;
    while ((receiver.received.get('/drain')?.length ?? 0) < burst && Date.now() < drainDeadline) await sleep(50);
    const drained = receiver.received.get('/drain') ?? [];
    const lastAt = Math.max(...drained.map((r) => r.at));
    const drainSeconds = (lastAt - enabledAt) / 1000;
    await api.request('DELETE', `/v1/webhooks/${drainHook}`, undefined, token);

    const result = {
      latency: {
        events: total,
        rate,
        writesNon2xx: statuses.filter((status) => status < 200 || status >= 300).length,
        delivered: latencies.length,
        p50Ms: percentile(latencies, 50),
        p95Ms: percentile(latencies, 95),
        p99Ms: percentile(latencies, 99),
        maxMs: latencies.at(-1) ?? null,
      },
      throughput: { events: burst, delivered: drained.length, seconds: Math.round(drainSeconds * 100) / 100, eventsPerSecond: Math.round((drained.length / drainSeconds) * 10) / 10 },
    };
    log(`webhooks: commit -> receipt p50 ${result.latency.p50Ms} ms, p99 ${result.latency.p99Ms} ms (${latencies.length}/${total} at ${rate}/s); ${drained.length} events drained to one endpoint in ${result.throughput.seconds} s = ${result.throughput.eventsPerSecond}/s`);
    return result;
  } finally {
    await receiver.close();
  }
}

/** The report's section (markdown lines). */
export function webhookSection(webhooks) {
  if (!webhooks) return [];
  const { latency, throughput } = webhooks;
  return [
    '## Webhooks (id `webhooks`)',
    '',
    `Delivery latency, from the commit of the change (the event's timestamp, taken in the write's transaction) to the receipt of the signed POST on a 127.0.0.1 receiver answering 204 at once: ${latency.events} PATCHes at ${latency.rate}/s, each about another user, one endpoint subscribed.`,
    '',
    '| delivered | p50 | p95 | p99 | max |',
    '| --- | --- | --- | --- | --- |',
    `| ${latency.delivered}/${latency.events} | ${latency.p50Ms} ms | ${latency.p95Ms} ms | ${latency.p99Ms} ms | ${latency.maxMs} ms |`,
    '',
    `Throughput to one endpoint: ${throughput.events} events waited for a disabled endpoint; from enabling it to the last receipt, ${throughput.delivered} were delivered in ${throughput.seconds} s: **${throughput.eventsPerSecond} events/s** (one API instance, up to 16 deliveries in flight).`,
    '',
  ];
}
