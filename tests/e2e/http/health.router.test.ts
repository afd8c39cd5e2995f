import { useTestServer } from '../../support/use-test-server';
import { REDIS_READY_CHECK } from '../../support/redis-mode';

describe('health and readiness', () => {
  const ctx = useTestServer();

  it('GET /health answers ok without touching dependencies', async () => {
    const response = await ctx.api.get('/health');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  it('GET /ready reports each dependency', async () => {
    const response = await ctx.api.get('/ready');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ready', checks: { postgres: 'ok', ...REDIS_READY_CHECK } });
  });

  it('answers an unknown route with a problem+json 404', async () => {
    const response = await ctx.api.get('/v1/nothing-here');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ status: 404, title: 'Not found', type: '/problems/not-found' });
    expect(response.body.requestId).toBe(response.headers.get('x-request-id'));
  });
});
