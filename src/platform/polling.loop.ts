/** Retries due within this get a timer of their own (see wakeAt). */
const WAKE_TIMER_MAX_MS = 60_000;

/** How a background loop reports a pass that threw (it keeps going: the next pass tries again). */
export type LoopFailureReporter = (error: unknown) => void;

/**
 * Runs `pass` again and again in one process: at once while it says more work is waiting, else
 * after `pollMs` or as soon as wake() is called (a commit in this process, a retry falling due).
 * stop() lets the pass in progress finish. Used by the event relay and the webhook deliveries,
 * whose passes claim their rows in PostgreSQL, so any number of instances may run one each.
 */
export class PollingLoop {
  private stopping = false;
  private running: Promise<void> = Promise.resolve();
  private nudge: ((now: boolean) => void) | undefined;
  private woken = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pass: () => Promise<boolean>,
    private readonly pollMs: number,
    private readonly reportFailure: LoopFailureReporter,
    /**
     * How long a wake waits for more wakes before the pass: commits arriving together are then
     * relayed by one pass (one claim, one fan-out transaction) instead of one pass each.
     */
    private readonly lingerMs = 0,
  ) {}

  start(): void {
    this.stopping = false;
    this.running = this.loop();
  }

  /** Run a pass now rather than at the next poll (a pass in progress is followed by another). */
  wake(): void {
    this.woken = true;
    this.nudge?.(false);
  }

  /**
   * Wake at `at` (epoch ms): a retry falling due. Polls need not line up with it, so a soon one gets
   * its own timer; a later one is found by the poll at most `pollMs` after it is due.
   */
  wakeAt(at: number): void {
    const delay = Math.max(0, at - Date.now());
    if (delay > WAKE_TIMER_MAX_MS) return;
    setTimeout(() => this.wake(), delay).unref();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.nudge?.(true);
    await this.running;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      this.woken = false;
      let more = false;
      try {
        more = await this.pass();
      } catch (error) {
        this.reportFailure(error);
      }
      if (more || this.stopping) continue;
      // Woken during the pass: the next one gathers what else arrives meanwhile.
      if (this.woken && this.lingerMs > 0) await new Promise((resolve) => setTimeout(resolve, this.lingerMs));
      else if (!this.woken) await this.sleep();
    }
  }

  private sleep(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(this.timer);
        this.nudge = undefined;
        resolve();
      };
      this.timer = setTimeout(done, this.pollMs);
      this.nudge = (now) => {
        if (now || this.lingerMs === 0) return done();
        clearTimeout(this.timer);
        this.timer = setTimeout(done, this.lingerMs);
        this.nudge = (immediately) => immediately && done();
      };
    });
  }
}
