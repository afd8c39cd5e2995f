/** Failed sign-ins of an account: from one client IP, and from anywhere. */
export interface LoginFailures {
  fromIp: number;
  /** Milliseconds until the IP's count expires (0 when there is none). */
  fromIpTtlMs: number;
  fromAnywhere: number;
}

/**
 * The counters behind the login throttle, in Redis (shared by every instance) or in process (one
 * instance only). Each counter's window starts at its first failure and is not extended by later
 * ones. `account` is already normalised (lower case) by the caller.
 */
export interface LoginAttemptStore {
  failures(account: string, ip: string): Promise<LoginFailures>;
  recordFailure(account: string, ip: string, windowSeconds: number): Promise<void>;
  clearIp(account: string, ip: string): Promise<void>;
  /** Takes the account's one attempt per `seconds`: 0 when taken now, else milliseconds until free. */
  claimSlowdown(account: string, seconds: number): Promise<number>;
}
