import { randomUUID } from 'node:crypto';
import { InvalidationChannel } from '../../../src/platform/redis/invalidation.channel';
import { createRedis, type RedisClient, waitForRedis } from '../../../src/platform/redis/redis.client';
import { describeWithRedis, REDIS_URL } from '../../support/redis-mode';
import { eventually } from '../../support/scratch-database';
import { silentFailureReporter } from '../../support/state-stores';

// The channel near caches trust: "listening" must be false whenever a message could be missed.
describeWithRedis('invalidation channel on a real Redis', () => {
  const opened: RedisClient[] = [];
  const connect = async () => {
    const client = createRedis({ url: REDIS_URL }, 'uma-channel:');
    opened.push(client);
    if (!(await waitForRedis(client, 10_000))) throw new Error('Redis did not become ready');
    return client;
  };
  afterAll(() => opened.forEach((client) => client.disconnect()));

  it('delivers what another instance publishes, listens only once subscribed, and resyncs when the subscription drops', async () => {
    const name = `uma-channel:${randomUUID()}`;
    const publisher = new InvalidationChannel(await connect(), await connect(), silentFailureReporter(), name);
    const subscriber = await connect();
    const channel = new InvalidationChannel(await connect(), subscriber, silentFailureReporter(), name);
    const heard: string[] = [];
    let resyncs = 0;
    const listeningAtResync: boolean[] = [];
    expect(channel.listening).toBe(false);
    await channel.listen({
      message: (payload) => heard.push(payload),
      resync: () => {
        resyncs += 1;
        listeningAtResync.push(channel.listening);
      },
    });
    expect(channel.listening).toBe(true);
    const resyncsWhenSubscribed = resyncs;

    await publisher.publish('session-1');
    await eventually(() => expect(heard).toEqual(['session-1']));

    subscriber.disconnect(true); // dropped: ioredis reconnects by itself
    await eventually(() => expect(resyncs).toBeGreaterThan(resyncsWhenSubscribed));
    // Every resync (the drop, the new subscription) happened while nothing could be served.
    expect(listeningAtResync.every((listening) => !listening)).toBe(true);
    await eventually(() => expect(channel.listening).toBe(true));

    await publisher.publish('session-2');
    await eventually(() => expect(heard).toEqual(['session-1', 'session-2']));
  });
});
