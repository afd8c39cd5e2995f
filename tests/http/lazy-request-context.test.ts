import type { EntityManager } from '@mikro-orm/postgresql';
import { LazyRequestContext } from '../../src/http/lazy-request-context';

function fakeFork() {
  const made: EntityManager[] = [];
  const fork = jest.fn(() => {
    const em = { getRepository: jest.fn() } as unknown as EntityManager;
    made.push(em);
    return em;
  });
  return { fork, made };
}

/** What Apollo Server does to the context of every operation (cloneObject in ApolloServer.ts). */
const apolloCopy = <T extends object>(object: T): T => Object.assign(Object.create(Object.getPrototypeOf(object)), object);

describe('LazyRequestContext', () => {
  it('forks no EntityManager until one is asked for, then always the same one', () => {
    const { fork, made } = fakeFork();
    const ctx = new LazyRequestContext(fork, 'req-1', '127.0.0.1', 'jest');
    expect(fork).not.toHaveBeenCalled();
    expect(ctx.forked).toBe(false);
    expect(ctx).toMatchObject({ actor: null, requestId: 'req-1', ipAddress: '127.0.0.1', userAgent: 'jest', logFields: {} });
    expect(ctx.em).toBe(made[0]);
    expect(ctx.em).toBe(made[0]);
    expect(fork).toHaveBeenCalledTimes(1);
    expect(ctx.forked).toBe(true);
  });

  it('makes the loaders on first use, over the same EntityManager', () => {
    const { fork } = fakeFork();
    const ctx = new LazyRequestContext(fork, 'req-2', '127.0.0.1', '');
    const loaders = ctx.loaders;
    expect(ctx.loaders).toBe(loaders);
    expect(Object.keys(loaders).sort()).toEqual(['recentAuditLogsByUserId', 'sessionsByUserId', 'userById']);
    expect(fork).toHaveBeenCalledTimes(1);
  });

  it("shares one fork, one set of loaders and the log fields with Apollo's copy of it", () => {
    const { fork } = fakeFork();
    const ctx = new LazyRequestContext(fork, 'req-3', '127.0.0.1', '');
    const copy = apolloCopy(ctx);
    expect(fork).not.toHaveBeenCalled();
    expect(copy.em).toBe(ctx.em);
    expect(copy.loaders).toBe(ctx.loaders);
    expect(fork).toHaveBeenCalledTimes(1);
    copy.logFields.operation = 'UserById';
    expect(ctx.logFields.operation).toBe('UserById');
  });
});
