import type { ConnectionType, EntityManager } from '@mikro-orm/postgresql';
import type { Actor } from '../../../src/context/request-context';
import { ReplicaRouter } from '../../../src/platform/db/replica.router';
import type { WriterStickiness } from '../../../src/platform/db/writer.stickiness';
import { UserRole } from '../../../src/users/user-role';
import { createLogger } from '../../../src/platform/observability/logger';

const actor: Actor = { id: 'a1', username: 'ann', role: UserRole.ADMIN, sessionId: 's1', tokenId: 't1', tokenExpiresAt: new Date(Date.now() + 60_000) };

/** The request's EntityManager; fork() hands out a distinct one, as MikroORM's does. */
function fakeEm(): EntityManager & { forks: EntityManager[] } {
  const forks: EntityManager[] = [];
  const fork = () => {
    const forked = { forkOf: 'request' } as unknown as EntityManager;
    forks.push(forked);
    return forked;
  };
  return { forks, fork } as unknown as EntityManager & { forks: EntityManager[] };
}

function router(hasReplicas: boolean, stickyUsers: string[] = []): ReplicaRouter {
  const stickiness = { mustReadPrimary: async (userId: string) => stickyUsers.includes(userId) } as unknown as WriterStickiness;
  return new ReplicaRouter(hasReplicas, stickiness, createLogger('silent'));
}

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });

describe('ReplicaRouter', () => {
  it('reads from the primary, on the request EntityManager, when no replica is configured', async () => {
    const em = fakeEm();
    const seen: [EntityManager, ConnectionType][] = [];
    const read = await router(false).read({ em, actor }, async (used, type) => (seen.push([used, type]), 'rows'));
    expect(read).toEqual({ value: 'rows', fromReplica: false });
    expect(seen).toEqual([[em, 'write']]);
  });

  it('sends an eligible read to a replica on a fork of its own, so replica rows stay out of the request identity map', async () => {
    const em = fakeEm();
    const seen: [EntityManager, ConnectionType][] = [];
    const reads = router(true);
    const read = await reads.read({ em, actor }, async (used, type) => (seen.push([used, type]), 'rows'));
    expect(read.fromReplica).toBe(true);
    expect(seen).toEqual([[em.forks[0], 'read']]);
    expect(seen[0][0]).not.toBe(em);
    expect(reads.counts.get('replica')).toBe(1);
  });

  it('keeps a writer on the primary while its mark lasts; other readers still use the replica', async () => {
    const reads = router(true, ['a1']);
    const types: ConnectionType[] = [];
    await reads.read({ em: fakeEm(), actor }, async (_em, type) => types.push(type));
    await reads.read({ em: fakeEm(), actor: { ...actor, id: 'b2' } }, async (_em, type) => types.push(type));
    expect(types).toEqual(['write', 'read']);
  });

  it('falls back to the primary when a replica refuses or conflicts with recovery, then skips replicas for a while', async () => {
    for (const failure of [refused(), new Error('canceling statement due to conflict with recovery')]) {
      const reads = router(true);
      const types: ConnectionType[] = [];
      const em = fakeEm();
      const read = await reads.read({ em, actor: null }, async (used, type) => {
        types.push(type);
        if (type === 'read') throw failure;
        expect(used).toBe(em);
        return 'primary rows';
      });
      expect(read).toEqual({ value: 'primary rows', fromReplica: false });
      await reads.read({ em, actor: null }, async (_em, type) => types.push(type));
      expect(types).toEqual(['read', 'write', 'write']);
      expect(reads.counts.get('replica_fallback')).toBe(1);
    }
  });

  it('passes any other error through untouched, without a second try on the primary', async () => {
    const reads = router(true);
    const types: ConnectionType[] = [];
    const bug = new Error('syntax error at or near "selec"');
    const failing = async (_em: EntityManager, type: ConnectionType) => {
      types.push(type);
      throw bug;
    };
    await expect(reads.read({ em: fakeEm(), actor }, failing)).rejects.toBe(bug);
    expect(types).toEqual(['read']);
  });
});
