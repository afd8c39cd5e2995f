import { MemorySlidingWindowLimiter } from '../../../src/platform/rate-limit/memory-sliding-window.limiter';

/** The in-process limiter on a clock the test moves, so boundaries are exact rather than slept past. */
describe('in-process sliding window, on its own clock', () => {
  let now = 0;
  const limiter = () => new MemorySlidingWindowLimiter(() => now);
  const bucket = { key: 'read:ip:10.0.0.1', rule: { limit: 2, windowSeconds: 10 } };

  beforeEach(() => {
    now = 1_000_000;
  });

  it('frees a place exactly one window after its admission, as the Redis script does (score <= now - window)', async () => {
    const subject = limiter();
    expect((await subject.consume(bucket)).allowed).toBe(true);
    now += 4000;
    expect((await subject.consume(bucket)).allowed).toBe(true);
    now += 5999;
    expect(await subject.consume(bucket)).toEqual({ allowed: false, limit: 2, remaining: 0, resetSeconds: 1 });
    now += 1;
    expect(await subject.consume(bucket)).toEqual({ allowed: true, limit: 2, remaining: 0, resetSeconds: 4 });
  });

  it('answers Retry-After in whole seconds rounded up, never 0', async () => {
    const subject = limiter();
    await subject.consume(bucket);
    await subject.consume(bucket);
    now += 1;
    expect((await subject.consume(bucket)).resetSeconds).toBe(10);
    now += 9000;
    expect((await subject.consume(bucket)).resetSeconds).toBe(1);
  });

  it('does not count refused requests against the window', async () => {
    const subject = limiter();
    await subject.consume(bucket);
    await subject.consume(bucket);
    for (let i = 0; i < 5; i += 1) await subject.consume(bucket);
    now += 10_000;
    expect(await subject.consume(bucket)).toMatchObject({ allowed: true, remaining: 1 });
    expect(subject.rejections).toBe(5);
  });
});
