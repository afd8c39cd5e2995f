import { PasswordHistory } from '../../src/auth/passwords/password-history.entity';
import type { PasswordHasher } from '../../src/auth/passwords/password.hasher';
import { Session } from '../../src/auth/sessions/session.entity';
import { User } from '../../src/users/user.entity';
import { emailKey } from '../../src/platform/validation/email/email.address';
import { fakeUnitOfWork } from '../support/fake-unit-of-work';
import { fakeLinkTokens } from './fake-link-tokens';

export const USER_ID = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';

/** Users, sessions and password history in memory, the real pipeline, and the token rules in memory. */
export function accountKit() {
  const people = new Map<string, User>();
  const user = (changes: Partial<User> = {}) => {
    const person = { id: USER_ID, username: 'ada', email: 'ada@example.com', emailKey: 'ada@example.com', firstName: 'Ada', lastName: 'L', passwordHash: 'hash:Old-passw0rd!', isActive: true, emailVerified: false, pendingEmail: null, securityStamp: 'stamp-1', deletedAt: null, ...changes } as unknown as User;
    people.set(person.id, person);
    return person;
  };
  const matches = (person: User, where: Record<string, unknown>) => Object.entries(where).every(([key, value]) => (person as unknown as Record<string, unknown>)[key] === value);
  const users = {
    findOne: async (where: Record<string, unknown>) => [...people.values()].find((person) => matches(person, where)) ?? null,
    update: (person: User, changes: Partial<User>) => Object.assign(person, changes, changes.email ? { emailKey: emailKey(changes.email) } : {}),
    renewStamp: (person: User) => void (person.securityStamp = 'stamp-2'),
  };
  const endedSessions: string[] = [];
  const sessions = { deleteByUserId: async (id: string) => (id === USER_ID ? (endedSessions.push('s-1', 's-2'), ['s-1', 's-2']) : []) };
  const history = { find: async () => [{ passwordHash: 'hash:Older-passw0rd!' }] };
  const uow = fakeUnitOfWork(new Map<Function, object>([[User, users], [Session, sessions], [PasswordHistory, history]]));
  const tokens = fakeLinkTokens();
  // "hash:<password>": enough to tell passwords apart without argon2.
  const hasher = { hash: async (password: string) => `hash:${password}`, verify: async (hash: string, password: string) => hash === `hash:${password}` } as unknown as PasswordHasher;
  return { ...uow, people, user, tokens, hasher, endedSessions };
}
