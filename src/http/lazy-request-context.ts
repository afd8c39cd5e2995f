import type { EntityManager } from '@mikro-orm/postgresql';
import { createLoaders, type Loaders } from '../context/loaders';
import type { Actor, RequestContext } from '../context/request-context';

/** What the getters share; one per request, referenced (not copied) by every copy of the context. */
interface Deferred {
  fork: () => EntityManager;
  em?: EntityManager;
  loaders?: Loaders;
}

/**
 * A RequestContext whose EntityManager fork and DataLoaders are made on first use. Most requests
 * never touch them: an authenticated read answered from the caches needs neither, and forking an
 * EntityManager (a unit of work, an identity map, a copy of the config) on every request cost about
 * 3% of the CPU of such a read.
 *
 * The getters live on the prototype and the memo in a shared object, because Apollo copies the
 * context per operation (Object.assign onto an object with the same prototype): the copy then
 * still forks lazily, and it and the original use the same fork.
 */
export class LazyRequestContext implements RequestContext {
  actor: Actor | null = null;
  readonly logFields: { operation?: string } = {};
  private readonly deferred: Deferred;

  constructor(
    fork: () => EntityManager,
    readonly requestId: string,
    readonly ipAddress: string,
    readonly userAgent: string,
  ) {
    this.deferred = { fork };
  }

  get em(): EntityManager {
    this.deferred.em ??= this.deferred.fork();
    return this.deferred.em;
  }

  get loaders(): Loaders {
    this.deferred.loaders ??= createLoaders(this.em);
    return this.deferred.loaders;
  }

  /** Whether anything asked for the EntityManager (tests check the cached paths stay off the ORM). */
  get forked(): boolean {
    return this.deferred.em !== undefined;
  }
}
