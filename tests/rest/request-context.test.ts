import { UserRole } from '../../src/entities/user-role';
import { seedUser, signedIn, type SignedIn } from '../support/factories';
import { ApiClient } from '../support/http';
import { startTestServer, type TestServer } from '../support/test-server';

describe('the request context forks the ORM only for requests that use it', () => {
  let server: TestServer;
  let api: ApiClient;
  let admin: SignedIn;

  beforeAll(async () => {
    server = await startTestServer();
    api = new ApiClient(server.url);
    admin = await signedIn(server, api, UserRole.ADMIN);
  });
  afterAll(() => server.stop());
  afterEach(() => jest.restoreAllMocks());

  it('answers a read served by the caches without forking an EntityManager, and forks on a miss', async () => {
    const target = await seedUser(server);
    // Warm the caller's session and user, and the target.
    expect((await api.get(`/v1/users/${target.id}`, { token: admin.token })).status).toBe(200);
    const fork = jest.spyOn(server.orm.em, 'fork');

    expect((await api.get(`/v1/users/${target.id}`, { token: admin.token })).status).toBe(200);
    expect(fork).not.toHaveBeenCalled();

    const other = await seedUser(server);
    fork.mockClear();
    const miss = await api.get(`/v1/users/${other.id}`, { token: admin.token });
    expect(miss.status).toBe(200);
    expect(miss.body).toMatchObject({ id: other.id, username: other.username });
    expect(fork).toHaveBeenCalledTimes(1);
  });

  it('still checks the token of every request: a bad or revoked one is refused without a fork', async () => {
    const fork = jest.spyOn(server.orm.em, 'fork');
    expect((await api.get(`/v1/users/${admin.id}`, { token: `${admin.token}x` })).status).toBe(401);
    expect(fork).not.toHaveBeenCalled();

    const user = await signedIn(server, api);
    expect((await api.get(`/v1/users/${user.id}`, { token: user.token })).status).toBe(200);
    expect((await api.post('/v1/auth/logout', {}, { token: user.token })).status).toBe(204);
    expect((await api.get(`/v1/users/${user.id}`, { token: user.token })).status).toBe(401);
  });
});
