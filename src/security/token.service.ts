import { createSecretKey, type KeyObject, randomUUID } from 'node:crypto';
import jwt, { type JwtPayload } from 'jsonwebtoken';
import { UnauthenticatedError } from '../errors/domain.errors';
import { UserRole } from '../entities/user-role';

export interface TokenSettings {
  secret: string;
  algorithm: 'HS256' | 'HS384' | 'HS512';
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
}

export interface AccessClaims {
  sub: string;
  username: string;
  role: UserRole;
  type: 'access';
  jti: string;
  sid: string;
  iat: number;
  exp: number;
}

export interface RefreshClaims {
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

const roles = new Set<string>(Object.values(UserRole));

/** Signs and verifies the two kinds of JWT; knows nothing of sessions or users beyond the claims. */
export class TokenService {
  /**
   * The secret as a KeyObject, made once. Given a string, jsonwebtoken first tries to parse it as
   * a PEM/DER public or private key on every call, which costs about 1 ms of CPU per token.
   */
  private readonly key: KeyObject;

  constructor(private readonly settings: TokenSettings) {
    this.key = createSecretKey(Buffer.from(settings.secret, 'utf8'));
  }

  get accessTokenTtlSeconds(): number {
    return this.settings.accessTokenTtlSeconds;
  }

  get refreshTokenTtlSeconds(): number {
    return this.settings.refreshTokenTtlSeconds;
  }

  issueAccess(user: { id: string; username: string; role: UserRole }, sessionId: string): IssuedToken {
    return this.sign({ sub: user.id, username: user.username, role: user.role, type: 'access', sid: sessionId }, this.settings.accessTokenTtlSeconds);
  }

  issueRefresh(userId: string, sessionId: string): IssuedToken {
    return this.sign({ sub: userId, type: 'refresh', sid: sessionId }, this.settings.refreshTokenTtlSeconds);
  }

  verifyAccess(token: string): AccessClaims {
    const claims = this.verify(token);
    if (claims.type !== 'access' || typeof claims.username !== 'string' || !roles.has(claims.role)) {
      throw new UnauthenticatedError('The token is not an access token.');
    }
    return claims as unknown as AccessClaims;
  }

  verifyRefresh(token: string): RefreshClaims {
    const claims = this.verify(token);
    if (claims.type !== 'refresh') throw new UnauthenticatedError('The token is not a refresh token.');
    return claims as unknown as RefreshClaims;
  }

  private sign(claims: Record<string, unknown>, ttlSeconds: number): IssuedToken {
    const jti = randomUUID();
    const token = jwt.sign({ ...claims, jti }, this.key, { algorithm: this.settings.algorithm, expiresIn: ttlSeconds });
    const { exp } = jwt.decode(token) as JwtPayload;
    return { token, expiresAt: new Date((exp as number) * 1000) };
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
    if (typeof claims === 'string' || typeof claims.sub !== 'string' || typeof claims.sid !== 'string' || typeof claims.jti !== 'string') {
      throw new UnauthenticatedError('The token is invalid.');
    }
    return claims;
  }
}
