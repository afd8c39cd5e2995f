import { prettyDestination } from '../../../src/platform/observability/logger';

describe('prettyDestination', () => {
  const wasTTY = process.stdout.isTTY;
  afterEach(() => {
    process.stdout.isTTY = wasTTY;
  });

  it('keeps JSON lines in production and whenever stdout is not a terminal', () => {
    process.stdout.isTTY = true;
    expect(prettyDestination('production')).toBeUndefined();
    expect(prettyDestination('test')).toBeUndefined();
    process.stdout.isTTY = false;
    expect(prettyDestination('development')).toBeUndefined();
  });

  it('pretty-prints for a developer at a terminal', () => {
    process.stdout.isTTY = true;
    const destination = prettyDestination('development') as unknown as { end(): void } | undefined;
    expect(destination).toBeDefined();
    destination?.end();
  });
});
