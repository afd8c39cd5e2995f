import { ApiClient } from '../support/http';
import { startTestServer, type TestServer } from '../support/test-server';
import { REDIS_READY_CHECK } from '../support/redis-mode';

describe('health and readiness', () => {
  let server: TestServer;
  let api: ApiClient;

  beforeAll(async () => {
    server = await startTestServer();
    api = new ApiClient(server.url);
  });
  afterAll(() => server.stop());

  it('GET /health answers ok without touching dependencies', async () => {
    const response = await api.get('/health');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  it('GET /ready reports each dependency', async () => {
    const response = await api.get('/ready');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ready', checks: { postgres: 'ok', ...REDIS_READY_CHECK } });
  });

  it('answers an unknown route with a problem+json 404', async () => {
    const response = await api.get('/v1/nothing-here');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ status: 404, title: 'Not found', type: '/problems/not-found' });
    expect(response.body.requestId).toBe(response.headers.get('x-request-id'));
  });
});
