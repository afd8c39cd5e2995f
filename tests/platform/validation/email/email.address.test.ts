import { checkEmail, emailKey } from '../../../../src/platform/validation/email/email.address';
import { isHighlyRestrictive } from '../../../../src/platform/validation/email/script.rules';

const accepted = (input: string) => {
  const checked = checkEmail(input);
  if (!checked.ok) throw new Error(`${input} refused: ${checked.reason}`);
  return checked;
};
const reason = (input: string) => {
  const checked = checkEmail(input);
  return checked.ok ? 'accepted' : checked.reason;
};

describe('the e-mail rule', () => {
  it('accepts internationalised addresses and stores them NFC, in lower case', () => {
    expect(accepted('josé@example.com').email).toBe('josé@example.com');
    expect(accepted('jose\u0301@example.com').email).toBe('jos\u00e9@example.com');
    expect(accepted('Alice@Example.COM').email).toBe('alice@example.com');
    expect(accepted('ivan@пример.рф').email).toBe('ivan@пример.рф');
    expect(accepted('иван@example.com').email).toBe('иван@example.com');
    expect(accepted('user+tag@example.co.uk').email).toBe('user+tag@example.co.uk');
  });

  it('refuses quoted local parts, address literals and malformed addresses, each with a reason', () => {
    expect(reason('"q"@example.com')).toBe('email must not have a quoted local part');
    expect(reason('a@[127.0.0.1]')).toBe('email must have a domain name, not an address literal');
    expect(reason('a..b@example.com')).toBe('email must be a valid email address');
    expect(reason('.a@example.com')).toBe('email must be a valid email address');
    expect(reason('a@localhost')).toBe('email must have a valid domain name');
    expect(reason('a@example.123')).toBe('email must have a valid domain name');
    expect(reason('a@-example.com')).toBe('email must have a valid domain name');
    expect(reason('no-at-sign')).toBe('email must be a valid email address');
    expect(reason(`${'a'.repeat(65)}@example.com`)).toBe('email must have at most 64 bytes before the @');
    expect(reason(`${'é'.repeat(33)}@example.com`)).toBe('email must have at most 64 bytes before the @');
    expect(reason(`a@${'b'.repeat(250)}.com`)).toBe('email must be at most 254 characters');
  });

  it('refuses invisible, default-ignorable, bidi-control and control characters anywhere', () => {
    for (const invisible of ['\u200d', '\u200b', '\u2060', '\ufeff', '\u00ad', '\u202e', '\u2066', '\u061c', '\ufe0f', '\u0007', ' ', '\u00a0', '\u3000', '\ue000']) {
      expect(reason(`jo${invisible}se@example.com`)).toBe('email must not contain spaces, control, invisible or unassigned characters');
      expect(reason(`jose@exa${invisible}mple.com`)).toBe('email must not contain spaces, control, invisible or unassigned characters');
    }
  });

  it('refuses a local part that mixes scripts, and allows the mixes of Highly Restrictive', () => {
    expect(reason('j\u043es\u00e9@example.com')).toBe('email must not mix scripts before the @ (such as Latin with Cyrillic)');
    expect(reason('p\u0430ypal@example.com')).toBe('email must not mix scripts before the @ (such as Latin with Cyrillic)');
    expect(reason('\u03b1\u03b2cd@example.gr')).toBe('email must not mix scripts before the @ (such as Latin with Cyrillic)');
    expect(isHighlyRestrictive('山田taro')).toBe(true);
    expect(isHighlyRestrictive('山田たろうタロウ')).toBe(true);
    expect(isHighlyRestrictive('王ㄅㄆabc')).toBe(true);
    expect(isHighlyRestrictive('김철수kim')).toBe(true);
    expect(isHighlyRestrictive('한국たろう')).toBe(false);
    expect(isHighlyRestrictive('abc\u0301')).toBe(true);
    expect(isHighlyRestrictive('αβγ123')).toBe(true);
    expect(isHighlyRestrictive('Аbc')).toBe(false);
  });

  it('gives look-alike spellings of one mailbox one comparison key', () => {
    const key = accepted('josé@example.com').key;
    expect(accepted('jose\u0301@example.com').key).toBe(key);
    expect(accepted('\uff4aosé@example.com').key).toBe(key);
    expect(accepted('JOSÉ@EXAMPLE.COM').key).toBe(key);
    expect(accepted('josé@\uff45xample.com').key).toBe(key);
    expect(accepted('a@bücher.de').key).toBe(accepted('a@xn--bcher-kva.de').key);
    expect(accepted('a@bücher.de').key).toBe('a@xn--bcher-kva.de');
    expect(accepted('straße@example.de').key).toBe(accepted('STRASSE@example.de').key);
    expect(accepted('ﬁ@example.com').key).toBe(accepted('fi@example.com').key);
    expect(accepted('jose@example.com').key).not.toBe(key);
  });

  it('computes a key for anything a login form or an old row holds, without throwing', () => {
    for (const anything of ['', '@', 'no-at', '"q"@example.com', 'a@[127.0.0.1]', 'x@\u200d', '\u0000@\ud800']) expect(typeof emailKey(anything)).toBe('string');
    expect(emailKey('JOSÉ@Example.com')).toBe(accepted('josé@example.com').key);
  });
});
