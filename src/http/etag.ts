import type { Request, Response } from 'express';
import { MalformedInputError } from '../platform/errors/domain.errors';
import type { VersionPrecondition } from '../users/version.precondition';

/** A user's strong entity tag: its version, which every change of the row moves. */
export function setEtag(res: Response, version: number): void {
  res.setHeader('ETag', `"${version}"`);
}

const ENTITY_TAG = /^(W\/)?"([\x21\x23-\x7e\x80-\xff]*)"$/;

/**
 * If-Match (RFC 9110 13.1.1) as a precondition on the version: absent or `*` asks nothing (the
 * target must merely exist, which the service checks anyway); otherwise one of the listed tags
 * must be the current one by strong comparison, so a weak tag (W/"3") never matches. A header
 * that is not a list of entity tags is a malformed request.
 */
export function ifMatch(req: Request): VersionPrecondition | undefined {
  const header = req.headers['if-match'];
  if (header === undefined || header.trim() === '*') return undefined;
  const versions: number[] = [];
  for (const part of header.split(',').map((tag) => tag.trim()).filter(Boolean)) {
    const match = ENTITY_TAG.exec(part);
    if (!match) throw new MalformedInputError('If-Match must be * or a list of entity tags, like "3".');
    if (!match[1] && /^[1-9][0-9]{0,9}$/.test(match[2])) versions.push(Number(match[2]));
  }
  return { anyOf: versions };
}
