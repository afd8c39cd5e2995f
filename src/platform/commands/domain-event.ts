/**
 * Something that happened in a write, told to subscribers once the write has committed. Each feature
 * declares its own (src/users/user.events.ts, src/auth/sessions/session.events.ts, ...); `type` is
 * what subscribers select on, so it is unique across features.
 */
export interface DomainEvent {
  readonly type: string;
}
