import {
  formBodyParameter,
  hasRepeatedAuthorization,
  isB64Token,
  parseAuthorization,
  queryParameter,
  selectToken,
} from '../../src/core/credentials.js';
import { InvalidRequestError } from '../../src/core/errors.js';

function reasonOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (error instanceof InvalidRequestError) return error.reason;
    throw error;
  }
  throw new Error('expected an InvalidRequestError');
}

describe('parseAuthorization', () => {
  it('B-01: returns the token of a Bearer credential', () => {
    expect(parseAuthorization('Bearer abc.DEF-123')).toBe('abc.DEF-123');
  });

  it.each(['bearer t', 'BEARER t', 'bEaReR t'])('B-02: matches the scheme %j without regard to case', (value) => {
    expect(parseAuthorization(value)).toBe('t');
  });

  it('B-03: returns the token exactly as sent, case included', () => {
    expect(parseAuthorization('Bearer AbC')).toBe('AbC');
  });

  it.each(['aZ09-._~+/==', 'a', 'a=', 'a/b+c~d', '-._~+/'])('B-04: accepts the b64token %j', (token) => {
    expect(parseAuthorization(`Bearer ${token}`)).toBe(token);
  });

  it.each(['ab=c', 'a"b', 'a;b', 'é', '=', '==', 'a b', 'a,b', 'a\u0000b', 'a\u00a0', '\u00e9t', 'tok\u2028'])(
    'B-05: refuses %j, which is not a b64token',
    (token) => {
      expect(reasonOf(() => parseAuthorization(`Bearer ${token}`))).toBe('malformed_authorization');
    },
  );

  it('B-06: takes one or more SP between scheme and token', () => {
    expect(parseAuthorization('Bearer    tok')).toBe('tok');
  });

  it.each(['Bearer\ttok', 'Bearer \ttok', 'Bearer\t tok'])('B-06: refuses TAB as the separator in %j', (value) => {
    expect(reasonOf(() => parseAuthorization(value))).toBe('malformed_authorization');
  });

  it.each(['Bearer', 'Bearer ', 'Bearer    ', 'bearer\t'])('B-07: refuses the scheme %j with no token', (value) => {
    expect(reasonOf(() => parseAuthorization(value))).toBe('malformed_authorization');
  });

  it.each(['Bearer token="tok"', 'Bearer tok x', 'Bearer tok, Bearer tok', 'Bearer,tok', 'Bearer=tok'])(
    'B-08/H-05: refuses the auth-param form or extra parts in %j',
    (value) => {
      expect(reasonOf(() => parseAuthorization(value))).toBe('malformed_authorization');
    },
  );

  it('H-04: ignores leading and trailing SP and HTAB', () => {
    expect(parseAuthorization(' \t Bearer tok \t ')).toBe('tok');
  });

  it.each(['', '   ', 'Basic dXM6cHc=', 'Foo x', 'Bearer2 x', 'Bearer-x y', 'Bear x', 'DPoP tok', 'Bearerx'])(
    'B-17: treats %j as no bearer credentials',
    (value) => {
      expect(parseAuthorization(value)).toBeUndefined();
    },
  );

  it('accepts a 16 KB token without trouble', () => {
    const token = 'a'.repeat(16 * 1024);
    expect(parseAuthorization(`Bearer ${token}`)).toBe(token);
  });
});

describe('isB64Token', () => {
  it('checks only the given range', () => {
    expect(isB64Token('xx abc==', 3)).toBe(true);
    expect(isB64Token('abc== x', 0, 5)).toBe(true);
    expect(isB64Token('abc', 3)).toBe(false);
  });
});

describe('hasRepeatedAuthorization', () => {
  it('B-10: sees a second Authorization line, whatever its case', () => {
    expect(hasRepeatedAuthorization(['Host', 'x', 'authorization', 'Bearer a', 'AUTHORIZATION', 'Bearer b'])).toBe(
      true,
    );
  });

  it('is false for one Authorization line among others', () => {
    expect(hasRepeatedAuthorization(['Authorization', 'Bearer a', 'Proxy-Authorization', 'Bearer b', 'X', 'y'])).toBe(
      false,
    );
  });
});

describe('formBodyParameter', () => {
  const body = { access_token: 'tok', other: '1' };

  it.each([
    'application/x-www-form-urlencoded',
    'Application/X-WWW-Form-Urlencoded; charset=UTF-8',
    ' application/x-www-form-urlencoded ;charset=utf-8',
  ])('B-11: reads the token of a form body typed %j', (contentType) => {
    expect(formBodyParameter('POST', contentType, body)).toBe('tok');
  });

  it.each(['PUT', 'PATCH'])('B-11: reads it on %s', (method) => {
    expect(formBodyParameter(method, 'application/x-www-form-urlencoded', body)).toBe('tok');
  });

  it.each([
    ['GET', 'application/x-www-form-urlencoded', body],
    ['DELETE', 'application/x-www-form-urlencoded', body],
    ['HEAD', 'application/x-www-form-urlencoded', body],
    ['POST', 'application/json', body],
    ['POST', 'multipart/form-data; boundary=x', body],
    ['POST', 'application/x-www-form-urlencoded-x', body],
    ['POST', undefined, body],
    ['POST', 'application/x-www-form-urlencoded', undefined],
    ['POST', 'application/x-www-form-urlencoded', 'access_token=tok'],
    ['POST', 'application/x-www-form-urlencoded', Object.create({ access_token: 'inherited' })],
  ])('B-12: ignores %s with %j', (method, contentType, parsed) => {
    expect(formBodyParameter(method, contentType, parsed)).toBeUndefined();
  });
});

describe('queryParameter', () => {
  it('reads access_token of a parsed query', () => {
    expect(queryParameter({ access_token: 'tok' })).toBe('tok');
    expect(queryParameter({ access_token: ['a', 'b'] })).toEqual(['a', 'b']);
    expect(queryParameter({})).toBeUndefined();
    expect(queryParameter(undefined)).toBeUndefined();
  });
});

describe('selectToken', () => {
  const one = ['Authorization', 'Bearer tok'];

  it('takes the header token', () => {
    expect(selectToken('Bearer tok', one, undefined, undefined)).toBe('tok');
  });

  it('takes the body or query token alone', () => {
    expect(selectToken(undefined, [], 'tok', undefined)).toBe('tok');
    expect(selectToken(undefined, [], undefined, 'tok')).toBe('tok');
  });

  it('takes the body token beside a header of another scheme', () => {
    expect(selectToken('Basic dXM6cHc=', ['Authorization', 'Basic dXM6cHc='], 'tok', undefined)).toBe('tok');
  });

  it('returns undefined with no bearer credentials', () => {
    expect(selectToken(undefined, [], undefined, undefined)).toBeUndefined();
    expect(selectToken('Basic dXM6cHc=', ['Authorization', 'Basic dXM6cHc='], undefined, undefined)).toBeUndefined();
  });

  it('B-09/B-14: refuses a token sent by two methods', () => {
    expect(reasonOf(() => selectToken('Bearer tok', one, 'tok', undefined))).toBe('multiple_methods');
    expect(reasonOf(() => selectToken('Bearer tok', one, undefined, 'tok'))).toBe('multiple_methods');
    expect(reasonOf(() => selectToken(undefined, [], 'tok', 'tok'))).toBe('multiple_methods');
  });

  it('B-10: refuses two Authorization lines', () => {
    expect(reasonOf(() => selectToken('Bearer a', ['authorization', 'Bearer a', 'authorization', 'Basic x'], undefined, undefined))).toBe(
      'repeated_authorization',
    );
  });

  it('B-14: refuses a repeated or malformed access_token parameter', () => {
    expect(reasonOf(() => selectToken(undefined, [], undefined, ['a', 'b']))).toBe('repeated_parameter');
    expect(reasonOf(() => selectToken(undefined, [], ['a', 'b'], undefined))).toBe('repeated_parameter');
    expect(reasonOf(() => selectToken(undefined, [], undefined, { a: 'b' }))).toBe('malformed_parameter');
    expect(reasonOf(() => selectToken(undefined, [], '', undefined))).toBe('malformed_parameter');
    expect(reasonOf(() => selectToken(undefined, [], 'a b', undefined))).toBe('malformed_parameter');
  });
});
