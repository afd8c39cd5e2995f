import { Secret, TOTP } from 'otpauth';

const PERIOD_MS = 30_000;

/** The code an authenticator app would show for `secret`, `offsetSteps` steps from now. */
export function totpCode(secret: string, offsetSteps = 0): string {
  return new TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) }).generate({ timestamp: Date.now() + offsetSteps * PERIOD_MS });
}

/** A six-digit code valid at none of the steps the server accepts now (−2..+2, to be safe). */
export function wrongCode(secret: string): string {
  const valid = new Set([-2, -1, 0, 1, 2].map((offset) => totpCode(secret, offset)));
  for (let n = 0; ; n += 1) {
    const candidate = String(n).padStart(6, '0');
    if (!valid.has(candidate)) return candidate;
  }
}

/**
 * Waits until the current step has at least `marginMs` left, so that a code computed here for an
 * offset is judged at the same offset by the server (a step boundary in between would shift it).
 */
export async function awayFromStepBoundary(marginMs = 4000): Promise<void> {
  const left = PERIOD_MS - (Date.now() % PERIOD_MS);
  if (left < marginMs) await new Promise((resolve) => setTimeout(resolve, left + 50));
}
