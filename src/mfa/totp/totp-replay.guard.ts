/**
 * Remembers, per user, the time step of the last TOTP code accepted, so a code is accepted once:
 * RFC 6238 §5.2 ("the verifier MUST NOT accept the second attempt of the same OTP"). A code of the
 * same step or an earlier one is refused, which also stops an older code seen over a shoulder.
 * `claim` decides atomically: of two requests racing with the same code, exactly one wins.
 */
export interface TotpReplayGuard {
  /** True: `step` is later than any step claimed before and is now the user's last one. False: a replay. */
  claim(userId: string, step: number): Promise<boolean>;
}

/**
 * How long a claimed step must be remembered: a code of step s is accepted until step s + 1 ends
 * (±1 step of drift), so after three periods it is refused anyway. One period more for clock skew
 * between instances.
 */
export function replayMemorySeconds(periodSeconds: number): number {
  return periodSeconds * 4;
}

/** In process: correct for one instance only, like the other memory stores. */
export class MemoryTotpReplayGuard implements TotpReplayGuard {
  private readonly last = new Map<string, { step: number; expiresAt: number }>();

  constructor(
    private readonly periodSeconds = 30,
    private readonly now: () => number = Date.now,
  ) {}

  async claim(userId: string, step: number): Promise<boolean> {
    const now = this.now();
    if (this.last.size > 10_000) this.sweep(now);
    const previous = this.last.get(userId);
    if (previous && previous.expiresAt > now && previous.step >= step) return false;
    this.last.set(userId, { step, expiresAt: now + replayMemorySeconds(this.periodSeconds) * 1000 });
    return true;
  }

  private sweep(now: number): void {
    for (const [userId, entry] of this.last) if (entry.expiresAt <= now) this.last.delete(userId);
  }
}
