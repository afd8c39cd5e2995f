import { UserRole } from '../../src/users/user-role';
import { signedIn, type SignedIn } from './factories';
import { ApiClient } from './http';
import { startTestServer, type TestServer } from './test-server';

export interface TestServerHandle {
  readonly server: TestServer;
  readonly api: ApiClient;
  /** Only with `{ admin: true }`. */
  readonly admin: SignedIn;
}

/**
 * One server for the enclosing describe block: started in beforeAll, stopped in afterAll.
 * Read `server`, `api` and `admin` through the handle inside hooks and tests: they do not exist
 * yet when the describe body runs, so destructuring the handle there would fail.
 */
export function useTestServer(env: Record<string, string> = {}, options: { admin?: boolean } = {}): TestServerHandle {
  let state: { server: TestServer; api: ApiClient; admin?: SignedIn } | undefined;
  const live = () => {
    if (!state) throw new Error('useTestServer: the server is only available in hooks and tests, once its beforeAll has run');
    return state;
  };

  beforeAll(async () => {
    const server = await startTestServer(env);
    const api = new ApiClient(server.url);
    state = { server, api };
    if (options.admin) state.admin = await signedIn(server, api, UserRole.ADMIN);
  });
  afterAll(() => state?.server.stop());

  return {
    get server() {
      return live().server;
    },
    get api() {
      return live().api;
    },
    get admin() {
      const { admin } = live();
      if (!admin) throw new Error('useTestServer: pass { admin: true } to sign in an admin');
      return admin;
    },
  };
}
