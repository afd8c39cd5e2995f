import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import type { TotpReplayGuard } from './totp-replay.guard';

export interface TotpSetup {
  /** Base32, for typing into an authenticator app by hand. */
  secret: string;
  otpauthUrl: string;
  /** The otpauth URL as a QR code, an SVG document to inline in a page. */
  qrCodeSvg: string;
}

export type TotpVerdict = { ok: true; step: number } | { ok: false; reason: 'malformed' | 'wrong' | 'replayed' };

export interface TotpSettings {
  /** Shown by the authenticator app above the account name. */
  issuer: string;
  replayGuard: TotpReplayGuard;
  /** Milliseconds since the epoch; tests move it. */
  now?: () => number;
}

// The parameters every authenticator app supports (SHA-1, 6 digits, 30 s); RFC 4226 asks for a 160-bit secret.
const PERIOD = 30;
const DIGITS = 6;
const SECRET_BYTES = 20;
/** ±1 step: a phone clock up to 30 s off still works, and no wider, so a code lives 90 s at most. */
const DRIFT_STEPS = 1;

/**
 * Time-based one-time passwords (RFC 6238). A code is accepted once, within ±1 step of drift: the
 * replay guard records the step of each accepted code and refuses that step and every earlier one.
 */
export class TotpFactor {
  private readonly now: () => number;

  constructor(private readonly settings: TotpSettings) {
    this.now = settings.now ?? Date.now;
  }

  /** A new random secret with what an authenticator app needs to enrol it. Nothing is stored here. */
  async setup(accountName: string): Promise<TotpSetup> {
    const secret = new Secret({ size: SECRET_BYTES }).base32;
    const otpauthUrl = this.totp(secret, accountName).toString();
    const qrCodeSvg = await QRCode.toString(otpauthUrl, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    return { secret, otpauthUrl, qrCodeSvg };
  }

  /**
   * Checks `code` against `secret` (base32) and, when it matches, claims its step for `userId`.
   * `malformed`: not six digits (no HMAC computed); `wrong`: no match within the drift window;
   * `replayed`: it matched, but its step (or a later one) was accepted before.
   */
  async verify(userId: string, secret: string, code: string): Promise<TotpVerdict> {
    const token = code.replace(/\s+/g, '');
    if (!/^\d{6}$/.test(token)) return { ok: false, reason: 'malformed' };
    const timestamp = this.now();
    const totp = this.totp(secret);
    const delta = totp.validate({ token, timestamp, window: DRIFT_STEPS });
    if (delta === null) return { ok: false, reason: 'wrong' };
    const step = totp.counter({ timestamp }) + delta;
    if (!(await this.settings.replayGuard.claim(userId, step))) return { ok: false, reason: 'replayed' };
    return { ok: true, step };
  }

  /** The code of the current step (or `offsetSteps` away): for tests and the development page only. */
  generate(secret: string, offsetSteps = 0): string {
    return this.totp(secret).generate({ timestamp: this.now() + offsetSteps * PERIOD * 1000 });
  }

  private totp(secret: string, label = 'account'): TOTP {
    return new TOTP({ issuer: this.settings.issuer, label, algorithm: 'SHA1', digits: DIGITS, period: PERIOD, secret: Secret.fromBase32(secret) });
  }
}
