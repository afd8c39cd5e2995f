import type { Session } from '../auth/sessions/session.entity';
import { PUBLIC_USER_FIELD_NAMES, type PublicUserFieldName, USER_VIEW_FIELDS, type UserView } from './user-view';

type Fields = typeof USER_VIEW_FIELDS;
/** A timestamp is shown as an ISO string; everything else as the view holds it. */
export type PresentedUser = {
  [K in PublicUserFieldName]: Fields[K]['kind'] extends 'timestamp' ? (Fields[K]['nullable'] extends true ? string | null : string) : UserView[K];
};

/** The public shape of a user: the read model's public fields (src/users/user-view.ts), in its order. */
export function presentUser(user: UserView): PresentedUser {
  const shown: Record<string, unknown> = {};
  for (const name of PUBLIC_USER_FIELD_NAMES) {
    const value = user[name];
    shown[name] = USER_VIEW_FIELDS[name].kind === 'timestamp' ? ((value as Date | null)?.toISOString() ?? null) : value;
  }
  return shown as PresentedUser;
}

/**
 * The presented user as JSON text, made once per view object: a cached view is handed to every
 * reader of that user until it is invalidated, so each hit of the cache also skips the
 * serialisation. Views are never changed in place (a change makes a new view), so the text
 * cannot go stale; it goes with its view.
 */
const presentedJson = new WeakMap<UserView, string>();

export function presentUserJson(user: UserView): string {
  let json = presentedJson.get(user);
  if (json === undefined) {
    json = JSON.stringify(presentUser(user));
    presentedJson.set(user, json);
  }
  return json;
}

export function presentSession(session: Session) {
  return {
    id: session.id,
    ipAddress: session.ipAddress,
    userAgent: session.userAgent,
    createdAt: session.createdAt.toISOString(),
    lastUsedAt: session.lastUsedAt.toISOString(),
    expiresAt: session.expiresAt.toISOString(),
  };
}
