import { domainToASCII } from 'node:url';
import { isHighlyRestrictive } from './script.rules';

/**
 * The one e-mail rule of the service: class-validator (REST bodies and GraphQL inputs, via the
 * services), the GraphQL input scalar and the services all call this module.
 *
 * - Accepted: a dot-atom local part (RFC 5322 atext) that may hold non-ASCII letters (RFC 6531),
 *   at most 64 octets; a domain of DNS labels, Unicode or punycode, with a dot, that IDNA
 *   (UTS #46, node:url's domainToASCII) accepts; at most 254 characters in all.
 * - Refused: quoted local parts (`"q"@example.com`) and address literals (`a@[127.0.0.1]`), as most
 *   identity servers do: few mailboxes use them and they are a classic way to smuggle look-alikes;
 *   controls, spaces, default-ignorable and invisible code points (zero-width joiners, bidi
 *   controls, variation selectors), unassigned and private-use code points; a local part that mixes
 *   scripts (UTS #39 Highly Restrictive: "jоsé" with a Cyrillic "о" is refused).
 * - Stored: NFC (the decomposed "e" + U+0301 is stored as "é"), in lower case as before.
 * - Compared: by `emailKey`, NFKC with the case folded in the local part (a full-width "ｊ" is "j")
 *   and the domain in punycode, so look-alike spellings of one mailbox are one account.
 *
 * Migration20261127000000_email_key keyed existing rows with a frozen copy of this rule
 * (src/migrations/support/email-rule.v1.ts). Changing the rule here fails tests/migrations until
 * the divergence is decided (usually: a new migration with an email-rule.v2.ts re-keys the rows).
 */
export const EMAIL_MAX = 254;
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

/** The stored form, or a ValidationError-ready reason; for callers that already validated. */
export function normalizeEmail(input: string): { email: string; key: string } {
  const checked = checkEmail(input);
  if (!checked.ok) throw new Error(checked.reason);
  return { email: checked.email, key: checked.key };
}
