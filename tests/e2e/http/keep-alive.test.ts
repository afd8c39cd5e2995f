import { Agent, request } from 'node:http';
import { useTestServer } from '../../support/use-test-server';

/** GET /health on `agent`, answering the local port of the connection that carried it. */
function healthVia(agent: Agent, url: string): Promise<{ status: number; localPort: number }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/health`, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, localPort: req.socket?.localPort ?? -1 }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Two requests on a one-connection keep-alive agent, `idleMs` apart: their statuses and local ports. */
async function twoRequestsApart(url: string, idleMs: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const first = await healthVia(agent, url);
    await new Promise((resolve) => setTimeout(resolve, idleMs));
    return [first, await healthVia(agent, url)];
  } finally {
    agent.destroy();
  }
}

describe('keep-alive connections', () => {
  describe('by default', () => {
    const ctx = useTestServer();

    it('stay open past Node’s 5 s default, so a pooling client or load balancer reuses them safely', async () => {
      const [first, second] = await twoRequestsApart(ctx.server.url, 5_600);
      expect([first.status, second.status]).toEqual([200, 200]);
      expect(second.localPort).toBe(first.localPort);
    }, 20_000);
  });

  describe('with HTTP_KEEP_ALIVE_TIMEOUT_SECONDS=1', () => {
    const ctx = useTestServer({ HTTP_KEEP_ALIVE_TIMEOUT_SECONDS: '1' });

    it('close once idle that long, and the client opens a new one', async () => {
      const [first, second] = await twoRequestsApart(ctx.server.url, 1_600);
      expect(second.status).toBe(200);
      expect(second.localPort).not.toBe(first.localPort);
    }, 20_000);
  });
});
