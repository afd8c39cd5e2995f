import { createSecretKey, type KeyObject, randomUUID } from 'node:crypto';
import jwt, { type JwtPayload } from 'jsonwebtoken';
import { LRUCache } from 'lru-cache';
import { UnauthenticatedError } from '../../platform/errors/domain.errors';
import type { UserRole } from '../../users/user-role';
import { accessClaimsSchema, refreshClaimsSchema } from './token-claims.schema';

export interface TokenSettings {
  secret: string;
  algorithm: 'HS256' | 'HS384' | 'HS512';
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
}

/**
 * How and when the user proved who they are (RFC 8176 `amr`, OIDC `auth_time` in seconds). Both
 * tokens carry it, so a refresh keeps the sign-in's time and factors rather than renewing them:
 * step-up (src/mfa/step-up.policy.ts) asks how long ago the user actually signed in.
 */
export interface Authentication {
  amr: string[];
  auth_time: number;
}

export interface AccessClaims extends Partial<Authentication> {
  sub: string;
  username: string;
  role: UserRole;
  type: 'access';
  jti: string;
  sid: string;
  iat: number;
  exp: number;
}

/** Tokens issued before MFA carry no `amr`/`auth_time`; they count as an old sign-in. */
export interface RefreshClaims extends Partial<Authentication> {
  sub: string;
  sid: string;
  jti: string;
  type: 'refresh';
  iat: number;
  exp: number;
}

export interface IssuedToken {
  token: string;
  expiresAt: Date;
}

/**
 * Access tokens remembered after a full verification. Every authenticated request verifies its token,
 * and jsonwebtoken's verify (JSON parsing, HMAC, option checks) was about 5% of the CPU of a cached
 * read; a client sends the same token many times within its lifetime. Bounded, so a flood of freshly
 * issued tokens costs memory only up to this many entries (each about 1 KB).
 */
const VERIFIED_ACCESS_TOKENS_MAX = 10_000;

/** Signs and verifies the two kinds of JWT; knows nothing of sessions or users beyond the claims. */
export class TokenService {
  /**
   * The secret as a KeyObject, made once. Given a string, jsonwebtoken first tries to parse it as
   * a PEM/DER public or private key on every call, which costs about 1 ms of CPU per token.
   */
  private readonly key: KeyObject;

  /**
   * Keyed by the whole token string: only the exact bytes that passed verification with this
   * service's key and algorithm hit, so a changed payload or signature is verified afresh (and fails).
   */
  private readonly verifiedAccess = new LRUCache<string, Readonly<AccessClaims>>({ max: VERIFIED_ACCESS_TOKENS_MAX });

  constructor(private readonly settings: TokenSettings) {
    this.key = createSecretKey(Buffer.from(settings.secret, 'utf8'));
  }

  get accessTokenTtlSeconds(): number {
    return this.settings.accessTokenTtlSeconds;
  }

  get refreshTokenTtlSeconds(): number {
    return this.settings.refreshTokenTtlSeconds;
  }

  issueAccess(user: { id: string; username: string; role: UserRole }, sessionId: string, authentication: Partial<Authentication>): IssuedToken {
    return this.sign({ sub: user.id, username: user.username, role: user.role, type: 'access', sid: sessionId, ...authenticationOf(authentication) }, this.settings.accessTokenTtlSeconds);
  }

  issueRefresh(userId: string, sessionId: string, authentication: Partial<Authentication>): IssuedToken {
    return this.sign({ sub: userId, type: 'refresh', sid: sessionId, ...authenticationOf(authentication) }, this.settings.refreshTokenTtlSeconds);
  }

  /**
   * A token verified before is only checked for expiry again, by jsonwebtoken's own rule (expired
   * from the second `exp` on); once expired it is dropped and verified in full, which gives the
   * usual "expired" error. Revocation, session and user checks are the caller's, on every request.
   */
  verifyAccess(token: string): AccessClaims {
    const known = this.verifiedAccess.get(token);
    if (known) {
      if (Math.floor(Date.now() / 1000) < known.exp) return known;
      this.verifiedAccess.delete(token);
    }
    const claims = this.verify(token);
    if (claims.type !== 'access') throw new UnauthenticatedError('The token is not an access token.');
    const parsed = accessClaimsSchema.safeParse(claims);
    if (!parsed.success) throw new UnauthenticatedError('The token is invalid.');
    // Frozen: the same object is handed to every later request with this token.
    const verified = Object.freeze(parsed.data as AccessClaims);
    this.verifiedAccess.set(token, verified);
    return verified;
  }

  verifyRefresh(token: string): RefreshClaims {
    const claims = this.verify(token);
    if (claims.type !== 'refresh') throw new UnauthenticatedError('The token is not a refresh token.');
    const parsed = refreshClaimsSchema.safeParse(claims);
    if (!parsed.success) throw new UnauthenticatedError('The token is invalid.');
    return parsed.data;
  }

  private sign(claims: Record<string, unknown>, ttlSeconds: number): IssuedToken {
    // iat given rather than taken by jsonwebtoken, so exp (iat + expiresIn, as jsonwebtoken computes
    // it) is known here without decoding the token just made; the token is the same, claim order too.
    const iat = Math.floor(Date.now() / 1000);
    const token = jwt.sign({ ...claims, jti: randomUUID(), iat }, this.key, { algorithm: this.settings.algorithm, expiresIn: ttlSeconds });
    return { token, expiresAt: new Date((iat + ttlSeconds) * 1000) };
  }

  /** Only the configured algorithm is accepted, which rules out "alg: none" and algorithm swaps. */
  private verify(token: string): JwtPayload {
    let claims: string | JwtPayload;
    try {
      claims = jwt.verify(token, this.key, { algorithms: [this.settings.algorithm] });
    } catch (error) {
      const expired = error instanceof jwt.TokenExpiredError;
      throw new UnauthenticatedError(expired ? 'The token has expired.' : 'The token is invalid.');
    }
    if (typeof claims === 'string') throw new UnauthenticatedError('The token is invalid.');
    return claims;
  }
}

/** Only the two claims, and only when known: a token from before MFA is refreshed without them. */
function authenticationOf({ amr, auth_time }: Partial<Authentication>): Partial<Authentication> {
  return amr !== undefined && auth_time !== undefined ? { amr, auth_time } : {};
}
