import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MAX_RESPONSE_BYTES, WebhookSender } from '../../src/webhooks/webhook.sender';

/** A receiver that answers as `handle` says, on a real loopback socket. */
async function receiver(handle: Parameters<typeof createServer>[1]): Promise<{ server: Server; port: number }> {
  const server = createServer(handle);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

const loopback = { address: '127.0.0.1', family: 4 as const };

describe('WebhookSender (real sockets)', () => {
  const servers: Server[] = [];
  afterAll(() => Promise.all(servers.map((server) => (server.closeAllConnections(), new Promise((resolve) => server.close(resolve))))));

  it('connects to the checked address, whatever the URL names, and sends the body and headers', async () => {
    let seen: { host?: string; body: string; signature?: string } = { body: '' };
    const { server, port } = await receiver((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        seen = { host: req.headers.host, body, signature: req.headers['webhook-signature'] as string };
        res.writeHead(204).end();
      });
    });
    servers.push(server);
    // The name does not resolve anywhere: only the pinned address can have been used.
    const outcome = await new WebhookSender(2000, 'test').send(new URL(`http://hooks.invalid:${port}/in?x=1`), loopback, { 'webhook-signature': 'v1,abc' }, '{"a":1}');
    expect(outcome).toMatchObject({ ok: true, statusCode: 204, error: null });
    expect(seen).toEqual({ host: `hooks.invalid:${port}`, body: '{"a":1}', signature: 'v1,abc' });
  });

  it('reads at most 64 kB of an answer and does not wait for the rest', async () => {
    let written = 0;
    const { server, port } = await receiver((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(16 * 1024, 'x');
      // An endless body: the sender must stop reading on its own.
      const pump = () => {
        while (res.write(chunk)) written += chunk.length;
        written += chunk.length;
      };
      res.on('drain', pump);
      pump();
    });
    servers.push(server);
    const started = Date.now();
    const outcome = await new WebhookSender(5000, 'test').send(new URL(`http://127.0.0.1:${port}/big`), loopback, {}, '{}');
    expect(outcome).toMatchObject({ ok: true, statusCode: 200 });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(written).toBeGreaterThanOrEqual(MAX_RESPONSE_BYTES);
  });

  it('gives up after the timeout when no answer comes, and reports a refused connection', async () => {
    const { server, port } = await receiver(() => undefined);
    servers.push(server);
    const started = Date.now();
    const outcome = await new WebhookSender(300, 'test').send(new URL(`http://127.0.0.1:${port}/hang`), loopback, {}, '{}');
    expect(outcome).toMatchObject({ ok: false, statusCode: null, error: 'timeout: no answer within 300 ms' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);

    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    const refused = await new WebhookSender(1000, 'test').send(new URL(`http://127.0.0.1:${port}/gone`), loopback, {}, '{}');
    expect(refused).toMatchObject({ ok: false, statusCode: null, error: 'ECONNREFUSED' });
  });
});
