import { domainToASCII } from 'node:url';

/**
 * FROZEN: the e-mail rule as Migration20261127000000_email_key applied it (a copy of
 * src/platform/validation/email/email.address.ts and script.rules.ts as of that migration). Never edit it: an
 * applied migration must do the same on every database it meets, whatever the application's rule
 * becomes. A later change that must reach stored rows gets a new migration with its own copy
 * (email-rule.v2.ts). tests/migrations/frozen-migrations.test.ts holds v1 to the live rule on a
 * corpus, so that a divergence is a decision, not an accident.
 *
 * What is frozen is our code: the Unicode data (\p{...}, NFC/NFKC) and IDNA (domainToASCII) come
 * from the runtime's ICU and move with Node upgrades, as they would for any JavaScript migration.
 */

const EMAIL_MAX = 254;
const LOCAL_PART_MAX_OCTETS = 64;

const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Cs}\p{Z}\u{FFFD}]/u;
/** atext (RFC 5322) plus any letter, mark or number beyond ASCII (RFC 6531 UTF8-non-ascii, narrowed). */
const ATOM = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~\p{L}\p{M}\p{N}]+$/u;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

export type EmailCheck = { ok: true; email: string; key: string } | { ok: false; reason: string };

/** Checks an address against the rule; on success returns the stored form and the comparison key. */
export function checkEmail(input: string): EmailCheck {
  const email = input.normalize('NFC').toLowerCase().normalize('NFC');
  const refuse = (reason: string): EmailCheck => ({ ok: false, reason: `email ${reason}` });
  if (email.length === 0) return refuse('must not be empty');
  if (email.length > EMAIL_MAX) return refuse(`must be at most ${EMAIL_MAX} characters`);
  if (INVISIBLE.test(email)) return refuse('must not contain spaces, control, invisible or unassigned characters');
  const at = email.lastIndexOf('@');
  if (at <= 0 || at === email.length - 1) return refuse('must be a valid email address');
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (local.startsWith('"')) return refuse('must not have a quoted local part');
  if (domain.startsWith('[')) return refuse('must have a domain name, not an address literal');
  if (Buffer.byteLength(local, 'utf8') > LOCAL_PART_MAX_OCTETS) return refuse(`must have at most ${LOCAL_PART_MAX_OCTETS} bytes before the @`);
  if (!local.split('.').every((atom) => ATOM.test(atom))) return refuse('must be a valid email address');
  if (!isHighlyRestrictive(local)) return refuse('must not mix scripts before the @ (such as Latin with Cyrillic)');
  const asciiDomain = domainToASCII(domain);
  const labels = asciiDomain.split('.');
  if (asciiDomain === '' || asciiDomain.length > 253 || labels.length < 2 || !labels.every((label) => LABEL.test(label)) || /^[0-9]+$/.test(labels[labels.length - 1])) {
    return refuse('must have a valid domain name');
  }
  return { ok: true, email, key: comparisonKey(local, asciiDomain) };
}

/**
 * The comparison key of any stored or presented address, valid or not (a login form, a row from
 * before the rule): never throws. Two addresses with one key are one account.
 */
export function emailKey(input: string): string {
  const at = input.lastIndexOf('@');
  if (at < 0) return foldLocal(input);
  const domain = input.slice(at + 1);
  return comparisonKey(input.slice(0, at), domainToASCII(domain.normalize('NFKC')) || domain.normalize('NFKC').toLowerCase());
}

function comparisonKey(local: string, asciiDomain: string): string {
  return `${foldLocal(local)}@${asciiDomain.toLowerCase()}`;
}

/** NFKC_Casefold as JavaScript can spell it: upper then lower case folds ß to ss and ς to σ. */
function foldLocal(local: string): string {
  return local.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC');
}

// --- UTS #39 mixed-script detection (was src/platform/validation/email/script.rules.ts) ---

/** Unicode script names (long aliases); those the engine does not know are skipped. */
const SCRIPT_NAMES = [
  'Adlam', 'Ahom', 'Anatolian_Hieroglyphs', 'Arabic', 'Armenian', 'Avestan', 'Balinese', 'Bamum', 'Bassa_Vah', 'Batak', 'Bengali',
  'Bhaiksuki', 'Bopomofo', 'Brahmi', 'Braille', 'Buginese', 'Buhid', 'Canadian_Aboriginal', 'Carian', 'Caucasian_Albanian', 'Chakma',
  'Cham', 'Cherokee', 'Chorasmian', 'Coptic', 'Cuneiform', 'Cypriot', 'Cypro_Minoan', 'Cyrillic', 'Deseret', 'Devanagari', 'Dives_Akuru',
  'Dogra', 'Duployan', 'Egyptian_Hieroglyphs', 'Elbasan', 'Elymaic', 'Ethiopic', 'Georgian', 'Glagolitic', 'Gothic', 'Grantha', 'Greek',
  'Gujarati', 'Gunjala_Gondi', 'Gurmukhi', 'Han', 'Hangul', 'Hanifi_Rohingya', 'Hanunoo', 'Hatran', 'Hebrew', 'Hiragana',
  'Imperial_Aramaic', 'Inscriptional_Pahlavi', 'Inscriptional_Parthian', 'Javanese', 'Kaithi', 'Kannada', 'Katakana', 'Kawi',
  'Kayah_Li', 'Kharoshthi', 'Khitan_Small_Script', 'Khmer', 'Khojki', 'Khudawadi', 'Lao', 'Latin', 'Lepcha', 'Limbu', 'Linear_A',
  'Linear_B', 'Lisu', 'Lycian', 'Lydian', 'Mahajani', 'Makasar', 'Malayalam', 'Mandaic', 'Manichaean', 'Marchen', 'Masaram_Gondi',
  'Medefaidrin', 'Meetei_Mayek', 'Mende_Kikakui', 'Meroitic_Cursive', 'Meroitic_Hieroglyphs', 'Miao', 'Modi', 'Mongolian', 'Mro',
  'Multani', 'Myanmar', 'Nabataean', 'Nag_Mundari', 'Nandinagari', 'New_Tai_Lue', 'Newa', 'Nko', 'Nushu', 'Nyiakeng_Puachue_Hmong',
  'Ogham', 'Ol_Chiki', 'Old_Hungarian', 'Old_Italic', 'Old_North_Arabian', 'Old_Permic', 'Old_Persian', 'Old_Sogdian',
  'Old_South_Arabian', 'Old_Turkic', 'Old_Uyghur', 'Oriya', 'Osage', 'Osmanya', 'Pahawh_Hmong', 'Palmyrene', 'Pau_Cin_Hau',
  'Phags_Pa', 'Phoenician', 'Psalter_Pahlavi', 'Rejang', 'Runic', 'Samaritan', 'Saurashtra', 'Sharada', 'Shavian', 'Siddham',
  'SignWriting', 'Sinhala', 'Sogdian', 'Sora_Sompeng', 'Soyombo', 'Sundanese', 'Syloti_Nagri', 'Syriac', 'Tagalog', 'Tagbanwa',
  'Tai_Le', 'Tai_Tham', 'Tai_Viet', 'Takri', 'Tamil', 'Tangsa', 'Tangut', 'Telugu', 'Thaana', 'Thai', 'Tibetan', 'Tifinagh', 'Tirhuta',
  'Toto', 'Ugaritic', 'Vai', 'Vithkuqi', 'Wancho', 'Warang_Citi', 'Yezidi', 'Yi', 'Zanabazar_Square',
];

const SCRIPTS: { name: string; pattern: RegExp }[] = SCRIPT_NAMES.flatMap((name) => {
  try {
    return [{ name, pattern: new RegExp(`^\\p{Script_Extensions=${name}}$`, 'u') }];
  } catch {
    return [];
  }
});

const COMMON_OR_INHERITED = /^[\p{Script=Common}\p{Script=Inherited}]$/u;

/**
 * UTS #39's augmented script sets: a Han character also counts as Japanese (Jpan), Chinese with
 * Bopomofo (Hanb) and Korean (Kore); kana as Japanese; Hangul as Korean; Bopomofo as Hanb. So the
 * normal mix of Han and kana in Japanese is one script, and Han with Hangul is Korean.
 */
const AUGMENT: Record<string, string[]> = { Han: ['Hanb', 'Jpan', 'Kore'], Hiragana: ['Jpan'], Katakana: ['Jpan'], Hangul: ['Kore'], Bopomofo: ['Hanb'] };

/** The scripts a code point belongs to (augmented), or null for Common/Inherited (any script). */
function scriptsOf(char: string): Set<string> | null {
  if (COMMON_OR_INHERITED.test(char)) {
    // Script_Extensions narrows some Common characters (the Japanese long vowel mark, CJK punctuation).
    const narrowed = SCRIPTS.filter(({ pattern }) => pattern.test(char)).map(({ name }) => name);
    if (narrowed.length === 0) return null;
    return new Set(narrowed.flatMap((name) => [name, ...(AUGMENT[name] ?? [])]));
  }
  const names = SCRIPTS.filter(({ pattern }) => pattern.test(char)).map(({ name }) => name);
  return new Set(names.flatMap((name) => [name, ...(AUGMENT[name] ?? [])]));
}

/** UTS #39 "Highly Restrictive" also admits Latin with each of the CJK writing systems. */
const HIGHLY_RESTRICTIVE_COVERS = [new Set(['Latin', 'Han', 'Hiragana', 'Katakana', 'Jpan']), new Set(['Latin', 'Han', 'Bopomofo', 'Hanb']), new Set(['Latin', 'Han', 'Hangul', 'Kore'])];

/**
 * Whether `text` passes UTS #39's Highly Restrictive level: all of it in one script (Common and
 * Inherited characters go with any), or Latin mixed only with Han and kana, Han and Bopomofo, or
 * Han and Hangul. A Latin name with one Cyrillic "о" fails; "josé" and "山田taro" pass.
 */
function isHighlyRestrictive(text: string): boolean {
  // ASCII letters and digits are Latin or Common: nothing to mix.
  if (/^[\x00-\x7f]*$/.test(text)) return true;
  const sets = [...text].map(scriptsOf).filter((set): set is Set<string> => set !== null);
  if (sets.length === 0) return true;
  let resolved = new Set(sets[0]);
  for (const set of sets.slice(1)) resolved = new Set([...resolved].filter((script) => set.has(script)));
  if (resolved.size > 0) return true;
  return HIGHLY_RESTRICTIVE_COVERS.some((cover) => sets.every((set) => [...set].some((script) => cover.has(script))));
}
