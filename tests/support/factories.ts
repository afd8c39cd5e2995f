import { randomBytes } from 'node:crypto';
import { PasswordHistory } from '../../src/auth/passwords/password-history.entity';
import { normalizeEmail } from '../../src/platform/validation/email/email.address';
import { User } from '../../src/users/user.entity';
import { UserRole } from '../../src/users/user-role';
import type { ApiClient } from './http';
import type { TestServer } from './test-server';

export const DEFAULT_PASSWORD = 'Correct-h0rse-battery';

let sequence = 0;

/** A valid sign-up body with unique names; override any field. */
export function userInput(overrides: Record<string, unknown> = {}): Record<string, any> {
  sequence += 1;
  const tag = `${sequence}${randomBytes(3).toString('hex')}`;
  return {
    username: `user_${tag}`,
    email: `user_${tag}@example.com`,
    password: DEFAULT_PASSWORD,
    firstName: 'Test',
    lastName: `Person${tag}`,
    ...overrides,
  };
}

export interface SeededUser {
  id: string;
  username: string;
  email: string;
  password: string;
  role: UserRole;
}

/** Writes a user straight into the database (any role), as an operator's seed would. */
export async function seedUser(server: TestServer, overrides: Partial<Record<string, any>> & { role?: UserRole } = {}): Promise<SeededUser> {
  const input = userInput(overrides);
  const em = server.orm.em.fork();
  const passwordHash = await server.services.hasher.hash(input.password);
  const user = em.getRepository(User).add({
    username: input.username,
    email: normalizeEmail(input.email).email,
    passwordHash,
    firstName: input.firstName,
    lastName: input.lastName,
    phone: input.phone ?? null,
    role: input.role ?? UserRole.USER,
    isActive: input.isActive ?? true,
    emailVerified: input.emailVerified ?? false,
  });
  em.persist(em.create(PasswordHistory, { user, passwordHash }));
  await em.flush();
  return { id: user.id, username: user.username, email: user.email, password: input.password, role: user.role };
}

export interface SignedIn extends SeededUser {
  token: string;
  refreshToken: string;
}

export async function login(api: ApiClient, user: Pick<SeededUser, 'username' | 'password'>): Promise<{ token: string; refreshToken: string }> {
  const response = await api.post('/v1/auth/login', { username: user.username, password: user.password });
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${response.text}`);
  return { token: response.body.accessToken, refreshToken: response.body.refreshToken };
}

/** A seeded user of the given role, signed in through the real login route. */
export async function signedIn(server: TestServer, api: ApiClient, role: UserRole = UserRole.USER, overrides: Record<string, unknown> = {}): Promise<SignedIn> {
  const user = await seedUser(server, { ...overrides, role });
  return { ...user, ...(await login(api, user)) };
}
