import { nonPublicKind, type Resolver, WebhookTargetGuard, WebhookTargetRefused } from '../../src/webhooks/webhook-target.guard';

const refusal = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof WebhookTargetRefused) return error.reason;
    throw error;
  }
  return null;
};

describe('nonPublicKind', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['10.1.2.3', 'private or reserved'],
    ['172.16.0.1', 'private or reserved'],
    ['192.168.1.1', 'private or reserved'],
    ['100.64.0.1', 'private or reserved'],
    ['0.0.0.0', 'private or reserved'],
    ['::', 'private or reserved'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:a00:1', 'private or reserved'],
    ['fd00::1', 'private or reserved'],
    ['224.0.0.1', 'private or reserved'],
    ['93.184.215.14', null],
    ['2606:4700::1111', null],
  ])('%s is %s', (address, kind) => {
    expect(nonPublicKind(address)).toBe(kind);
  });
});

describe('WebhookTargetGuard', () => {
  it('checks at delivery what a name resolves to now: public at registration, loopback later (DNS rebinding) is refused', async () => {
    const answers = [[{ address: '93.184.215.14', family: 4 as const }], [{ address: '127.0.0.1', family: 4 as const }]];
    const resolver: Resolver = async () => answers.shift()!;
    const guard = new WebhookTargetGuard({ allowHttp: false, allowedHosts: [] }, resolver);
    expect(guard.checkUrl('https://hooks.example.com/x').hostname).toBe('hooks.example.com');
    await expect(guard.target('https://hooks.example.com/x')).resolves.toMatchObject({ address: { address: '93.184.215.14' } });
    expect(await refusal(guard.target('https://hooks.example.com/x'))).toMatch(/resolves to a loopback address \(127\.0\.0\.1\)/);
  });

  it('refuses a name when any of its addresses is non-public, and a name that does not resolve', async () => {
    const mixed = new WebhookTargetGuard({ allowHttp: false, allowedHosts: [] }, async () => [
      { address: '93.184.215.14', family: 4 },
      { address: '10.0.0.5', family: 4 },
    ]);
    expect(await refusal(mixed.target('https://hooks.example.com/x'))).toMatch(/private or reserved/);
    const missing = new WebhookTargetGuard({ allowHttp: false, allowedHosts: [] }, async () => {
      throw Object.assign(new Error('nope'), { code: 'ENOTFOUND' });
    });
    expect(await refusal(missing.target('https://nowhere.example/x'))).toBe('the host did not resolve (ENOTFOUND)');
  });

  it('lets an allow-listed host (as written in the URL) reach non-public addresses, and nothing else', async () => {
    const guard = new WebhookTargetGuard({ allowHttp: true, allowedHosts: ['127.0.0.1', 'receiver.internal'] }, async () => [{ address: '10.0.0.7', family: 4 }]);
    await expect(guard.target('http://127.0.0.1:9000/x')).resolves.toMatchObject({ address: { address: '127.0.0.1', family: 4 } });
    await expect(guard.target('http://receiver.internal/x')).resolves.toMatchObject({ address: { address: '10.0.0.7' } });
    expect(await refusal(guard.target('http://other.internal/x'))).toMatch(/private or reserved/);
    expect(await refusal(guard.target('http://127.0.0.2/x'))).toMatch(/loopback/);
  });

  it('wants https unless http is allowed, and never credentials or another scheme', () => {
    const strict = new WebhookTargetGuard({ allowHttp: false, allowedHosts: [] });
    expect(() => strict.checkUrl('http://hooks.example.com/x')).toThrow(/must be https/);
    expect(() => strict.checkUrl('https://a:b@hooks.example.com/x')).toThrow(/credentials/);
    expect(() => strict.checkUrl('ftp://hooks.example.com/x')).toThrow(/https URL/);
    expect(() => strict.checkUrl('not a url')).toThrow(/absolute/);
    expect(() => strict.checkUrl('https://[fe80::1]/x')).toThrow(/link-local/);
    expect(() => strict.checkUrl('https://app.localhost/x')).toThrow(/localhost/);
  });
});
