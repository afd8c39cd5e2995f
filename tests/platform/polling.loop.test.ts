import { PollingLoop } from '../../src/platform/polling.loop';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('PollingLoop', () => {
  it('runs a pass at start, then at each poll, at once on wake(), and again at once while the pass says more is waiting', async () => {
    const passes: number[] = [];
    let more = 2;
    const loop = new PollingLoop(async () => (passes.push(Date.now()), more-- > 0), 10_000, () => undefined);
    loop.start();
    await sleep(50);
    expect(passes).toHaveLength(3);
    loop.wake();
    await sleep(50);
    expect(passes).toHaveLength(4);
    await loop.stop();
  });

  it('with a linger, wakes arriving together are served by one pass, at most the linger late', async () => {
    // A long linger, so a loaded machine's late timers cannot push a wake past it.
    const linger = 300;
    const passes: number[] = [];
    const loop = new PollingLoop(async () => (passes.push(Date.now()), false), 10_000, () => undefined, linger);
    loop.start();
    await sleep(20);
    const woken = Date.now();
    for (let i = 0; i < 5; i += 1) {
      loop.wake();
      await sleep(5);
    }
    await sleep(linger + 300);
    expect(passes).toHaveLength(2);
    expect(passes[1] - woken).toBeGreaterThanOrEqual(linger - 10);
    expect(passes[1] - woken).toBeLessThan(linger + 300);
    // stop() does not wait for a linger under way.
    const stopping = Date.now();
    loop.wake();
    await loop.stop();
    expect(Date.now() - stopping).toBeLessThan(linger - 100);
  });

  it('wakes at a time of its own choosing, between polls (a retry falling due)', async () => {
    const passes: number[] = [];
    const loop = new PollingLoop(async () => (passes.push(Date.now()), false), 10_000, () => undefined);
    loop.start();
    await sleep(20);
    const due = Date.now() + 150;
    loop.wakeAt(due);
    await sleep(300);
    expect(passes).toHaveLength(2);
    expect(passes[1]).toBeGreaterThanOrEqual(due - 5);
    await loop.stop();
  });

  it('reports a failing pass and carries on; stop() waits for the pass in progress', async () => {
    const failures: unknown[] = [];
    let calls = 0;
    let finished = false;
    const loop = new PollingLoop(
      async () => {
        calls += 1;
        if (calls === 1) throw new Error('database away');
        await sleep(100);
        finished = true;
        return false;
      },
      10,
      (error) => failures.push(error),
    );
    loop.start();
    await sleep(30);
    await loop.stop();
    expect(failures).toEqual([new Error('database away')]);
    expect(finished).toBe(true);
  });
});
