import { createHmac, randomUUID } from 'node:crypto';
import jwt, { type JwtPayload } from 'jsonwebtoken';
import type { HttpResponse } from './http';
import type { TestServer } from './test-server';

/** Runs SQL against the server's own database and returns the rows. */
export async function sql<T = Record<string, any>>(server: TestServer, query: string, params: unknown[] = []): Promise<T[]> {
  return (await server.orm.em.fork().getConnection().execute(query, params)) as T[];
}

export function decodeToken(token: string): JwtPayload {
  const decoded = jwt.decode(token);
  if (decoded === null || typeof decoded === 'string') throw new Error(`not a JWT: ${token}`);
  return decoded;
}

/** Signs arbitrary claims with the server's own secret, as only the server could. */
export function signWithServerSecret(server: TestServer, claims: Record<string, unknown>, options: jwt.SignOptions = {}): string {
  return jwt.sign(claims, server.config.jwt.secret, { algorithm: server.config.jwt.algorithm, ...options });
}

/**
 * Signs exactly these claims with the server's key, as only the server could, without
 * jsonwebtoken's checks on the way (it refuses a non-numeric exp, adds iat): any shape goes out.
 */
export function signRawWithServerSecret(server: TestServer, claims: Record<string, unknown>): string {
  const { algorithm, secret } = server.config.jwt;
  const unsigned = `${base64url({ alg: algorithm, typ: 'JWT' })}.${base64url(claims)}`;
  const signature = createHmac(`sha${algorithm.slice(2)}`, secret).update(unsigned).digest('base64url');
  return `${unsigned}.${signature}`;
}

/** An access token for `base` (claims of a real one) with some claims replaced, signed by the server's secret. */
export function forgeFrom(server: TestServer, realToken: string, overrides: Record<string, unknown>, options: jwt.SignOptions = {}): string {
  return signWithServerSecret(server, { ...decodeToken(realToken), jti: randomUUID(), ...overrides }, options);
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** "header.payload." with alg none and no signature. */
export function unsignedToken(claims: Record<string, unknown>): string {
  return `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims)}.`;
}

/** The same token with one character of its signature changed. */
export function tamperSignature(token: string): string {
  const [header, payload, signature] = token.split('.');
  const flipped = signature[0] === 'A' ? `B${signature.slice(1)}` : `A${signature.slice(1)}`;
  return `${header}.${payload}.${flipped}`;
}

/** The same signature over a payload with one claim changed. */
export function tamperPayload(token: string, overrides: Record<string, unknown>): string {
  const [header, , signature] = token.split('.');
  return `${header}.${base64url({ ...decodeToken(token), ...overrides })}.${signature}`;
}

/** A problem body without the parts that differ per request. */
export function stableProblem(response: HttpResponse): Record<string, unknown> {
  const { requestId: _requestId, instance: _instance, ...rest } = response.body as Record<string, unknown>;
  return rest;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
