import { z } from 'zod';
import { UserRole } from '../../users/user-role';

/**
 * The claims our tokens carry, each checked for shape after the signature: a token signed with our
 * key is still input. The ids reach SQL and Redis keys (a non-UUID `sid` used to become a 500 in
 * PostgreSQL, a `{` in it a Redis Cluster hash tag), the times reach arithmetic. Anything else is
 * refused as an invalid token (401), never passed on. Claims we do not issue are ignored, as JWT
 * consumers do; the registered ones jsonwebtoken checks itself (`nbf` must then be a number).
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const id = z.string().regex(UUID).transform((value) => value.toLowerCase());

/** Tokens issued more than this far in the future come from a clock we do not trust. */
const CLOCK_SKEW_SECONDS = 60;
/** A Date holds at most 8.64e15 ms: a later second would make every date built from the claim invalid. */
const LAST_DATE_SECOND = 8_640_000_000_000;
const epochSeconds = z.number().int().positive().max(LAST_DATE_SECOND);

const timing = z
  .object({ iat: epochSeconds, exp: epochSeconds })
  .refine(({ iat, exp }) => exp > iat, 'exp must follow iat')
  .refine(({ iat }) => iat <= Math.floor(Date.now() / 1000) + CLOCK_SKEW_SECONDS, 'iat is in the future');

/** RFC 8176 method names (`pwd`, `otp`, `hwk`, ...): a few, short, lower-case. */
const amr = z.array(z.string().regex(/^[a-z]{2,10}$/)).min(1).max(8);

/** A sign-in cannot happen after the token it produced was issued. */
const authentication = z
  .object({ amr: amr.optional(), auth_time: epochSeconds.optional(), iat: epochSeconds })
  .refine(({ amr, auth_time }) => (amr === undefined) === (auth_time === undefined), 'amr and auth_time come together')
  .refine(({ auth_time, iat }) => auth_time === undefined || auth_time <= iat, 'auth_time must not follow iat');

export const accessClaimsSchema = z
  .object({
    sub: id,
    sid: id,
    jti: id,
    type: z.literal('access'),
    username: z.string().min(1).max(254),
    role: z.nativeEnum(UserRole),
    iat: epochSeconds,
    exp: epochSeconds,
    amr: amr.optional(),
    auth_time: epochSeconds.optional(),
  })
  .and(timing)
  .and(authentication);

export const refreshClaimsSchema = z
  .object({
    sub: id,
    sid: id,
    jti: id,
    type: z.literal('refresh'),
    iat: epochSeconds,
    exp: epochSeconds,
    amr: amr.optional(),
    auth_time: epochSeconds.optional(),
  })
  .and(timing)
  .and(authentication);
