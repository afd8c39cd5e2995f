import type { Request, Response } from 'express';
import { ifMatch, setEtag } from '../../src/http/etag';
import { MalformedInputError } from '../../src/platform/errors/domain.errors';

const request = (ifMatchHeader?: string) => ({ headers: ifMatchHeader === undefined ? {} : { 'if-match': ifMatchHeader } }) as unknown as Request;

describe('ifMatch (RFC 9110 If-Match as a version precondition)', () => {
  it('asks nothing when absent or *', () => {
    expect(ifMatch(request())).toBeUndefined();
    expect(ifMatch(request(' * '))).toBeUndefined();
  });

  it('reads one or several strong tags as versions', () => {
    expect(ifMatch(request('"3"'))).toEqual({ anyOf: [3] });
    expect(ifMatch(request('"3", "5" ,"8"'))).toEqual({ anyOf: [3, 5, 8] });
  });

  it('never matches a weak tag or a tag that is no version, but keeps the header a precondition', () => {
    expect(ifMatch(request('W/"3"'))).toEqual({ anyOf: [] });
    expect(ifMatch(request('"abc", "03", "0"'))).toEqual({ anyOf: [] });
  });

  it('refuses a header that is not a list of entity tags', () => {
    for (const header of ['3', '"3', 'W/3', '"a"b"']) {
      expect(() => ifMatch(request(header))).toThrow(MalformedInputError);
    }
  });
});

describe('setEtag', () => {
  it('sends the version as a strong entity tag', () => {
    const headers: Record<string, string> = {};
    setEtag({ setHeader: (name: string, value: string) => (headers[name] = value) } as unknown as Response, 12);
    expect(headers).toEqual({ ETag: '"12"' });
  });
});
