import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import ts from 'typescript';
import * as live from '../../src/platform/validation/email/email.address';
import * as frozen from '../../src/migrations/support/email-rule.v1';

const MIGRATIONS = join(__dirname, '..', '..', 'src', 'migrations');

/** Every module a file imports, re-exports, require()s or import()s, as TypeScript reads it. */
function importsOf(file: string): string[] {
  return ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles.map((imported) => imported.fileName);
}

/**
 * An applied migration must do the same thing on every database it ever meets, so it may not
 * follow the application's code as that changes: it imports only the migration API, Node's own
 * modules, earlier migrations (as frozen as itself), and frozen, versioned copies of any logic it
 * needs (src/migrations/support/*.vN.ts).
 */
describe('migrations are frozen', () => {
  const migrationFiles = readdirSync(MIGRATIONS).filter((name) => /^Migration\d+_\w+\.ts$/.test(name));
  const supportFiles = readdirSync(join(MIGRATIONS, 'support')).filter((name) => name.endsWith('.ts'));

  it.each(migrationFiles)('%s imports no application code', (name) => {
    const foreign = importsOf(join(MIGRATIONS, name)).filter((path) => !/^@mikro-orm\//.test(path) && !/^node:/.test(path) && !/^\.\/Migration\d+_\w+$/.test(path) && !/^\.\/support\/[\w-]+\.v\d+$/.test(path));
    expect(foreign).toEqual([]);
  });

  it.each(supportFiles)('support/%s is versioned and imports only Node and other frozen support modules', (name) => {
    expect(name).toMatch(/^[\w-]+\.v\d+\.ts$/);
    const foreign = importsOf(join(MIGRATIONS, 'support', name)).filter((path) => !/^node:/.test(path) && !/^\.\/[\w-]+\.v\d+$/.test(path));
    expect(foreign).toEqual([]);
  });
});

/**
 * Today the frozen rule (what Migration20261127000000_email_key did) and the live rule
 * (src/platform/validation/email/email.address.ts) agree. If this fails, the live rule changed: that is fine, but a
 * conscious decision. The old migration keeps v1; rows it keyed are keyed by v1 until a new
 * migration re-keys them with a new frozen copy (support/email-rule.v2.ts); then record here, as
 * expected divergences, where v1 and the live rule now differ.
 */
describe('the frozen e-mail rule v1 agrees with the live rule', () => {
  const CORPUS = [
    // accepted, and spellings of one mailbox
    'alice@example.com', 'Alice@Example.COM', 'user+tag@example.co.uk', 'first.last@sub.example.org', "o'brien@example.ie",
    'josé@example.com', 'jose\u0301@example.com', '\uff4aosé@example.com', 'JOSÉ@EXAMPLE.COM', 'josé@\uff45xample.com',
    'ivan@пример.рф', 'иван@example.com', 'a@bücher.de', 'a@xn--bcher-kva.de', 'straße@example.de', 'STRASSE@example.de',
    'ﬁ@example.com', 'fi@example.com', 'ΣΊΣΥΦΟΣ@example.gr', 'σίσυφος@example.gr', '山田taro@example.jp', '山田たろうタロウ@example.jp',
    '王ㄅㄆabc@example.tw', '김철수kim@example.kr', 'x@example.museum', `${'a'.repeat(64)}@example.com`, '\uff41lice@example.com',
    // refused, each for its reason
    '"q"@example.com', 'a@[127.0.0.1]', 'a..b@example.com', '.a@example.com', 'a.@example.com', 'a@localhost', 'a@example.123',
    'a@-example.com', 'a@example-.com', 'no-at-sign', '@example.com', 'a@', '', `${'a'.repeat(65)}@example.com`, `${'é'.repeat(33)}@example.com`,
    `a@${'b'.repeat(250)}.com`, 'j\u043es\u00e9@example.com', 'p\u0430ypal@example.com', '\u03b1\u03b2cd@example.gr', '한국たろう@example.kr',
    'jo\u200dse@example.com', 'jo\u200bse@example.com', 'jo\u00adse@example.com', 'jo\u202ese@example.com', 'jo\ufe0fse@example.com',
    'jo se@example.com', 'jo\u00a0se@example.com', 'jo\ue000se@example.com', 'jose@exa\u200dmple.com', 'a@b@example.com',
    'x@\u200d', '\u0000@\ud800', '@', 'a b', 'A@x.com',
  ];

  it.each(CORPUS.map((address) => [JSON.stringify(address), address]))('checkEmail and emailKey agree on %s', (_label, address) => {
    expect(frozen.checkEmail(address)).toEqual(live.checkEmail(address));
    expect(frozen.emailKey(address)).toBe(live.emailKey(address));
  });

  it('agree on generated addresses too (fixed seed: a divergence is found the same way every run)', () => {
    const local = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 20 }), fc.emailAddress().map((email) => email.split('@')[0]));
    const domain = fc.oneof(fc.domain(), fc.string({ unit: 'grapheme', maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 20 }));
    const address = fc.oneof(fc.tuple(local, domain).map(([l, d]) => `${l}@${d}`), fc.emailAddress(), fc.string({ unit: 'binary', maxLength: 40 }));
    fc.assert(
      fc.property(address, (input) => {
        expect(frozen.checkEmail(input)).toEqual(live.checkEmail(input));
        expect(frozen.emailKey(input)).toBe(live.emailKey(input));
      }),
      { seed: 20261127, numRuns: 3000 },
    );
  });
});
