import {
  ChallengeBuilder,
  checkErrorUri,
  checkRealm,
  quote,
  sanitizeErrorText,
} from '../../src/core/challenge.js';
import {
  CredentialsRequiredError,
  InsufficientScopeError,
  InvalidRequestError,
  InvalidTokenError,
  StoreUnavailableError,
} from '../../src/core/errors.js';

const PARAM = /^([A-Za-z_]+)="((?:[^"\\]|\\.)*)"$/;

/** Splits a challenge into its parameters, checking the auth-param grammar on the way. */
function parameters(challenge: string): Array<[string, string]> {
  expect(challenge).toMatch(/^Bearer [A-Za-z_]+="/);
  const rest = challenge.slice('Bearer '.length);
  return rest.split(/, (?=[a-z_]+=")/).map((part) => {
    const match = PARAM.exec(part);
    if (match === null) throw new Error(`not an auth-param: ${part}`);
    return [match[1] as string, match[2] as string];
  });
}

describe('quote', () => {
  it('H-02: escapes only " and \\', () => {
    expect(quote('my "api"')).toBe('"my \\"api\\""');
    expect(quote('a\\b c')).toBe('"a\\\\b c"');
    expect(quote("a'b")).toBe(`"a'b"`);
  });
});

describe('sanitizeErrorText', () => {
  it('B-22: replaces ", \\, controls and non-ASCII with ?', () => {
    expect(sanitizeErrorText('bad "x"\n é\\\u0000\u007f')).toBe("bad ?x?? ????");
    expect(sanitizeErrorText('plain text: 1-2 [ok] {}')).toBe('plain text: 1-2 [ok] {}');
  });
});

describe('checkRealm', () => {
  it('accepts printable ASCII, quotes included', () => {
    expect(checkRealm('realm', 'my "api"')).toBe('my "api"');
  });

  it.each(['', 'a\nb', 'a\tb', 'é', 'a\u0000'])('refuses %j naming the option', (realm) => {
    expect(() => checkRealm('tokenGuard: options.realm', realm)).toThrow(
      expect.objectContaining({
        name: 'TypeError',
        code: 'ERR_INVALID_ARG_VALUE',
        message: 'tokenGuard: options.realm must be a non-empty string of printable ASCII characters',
      }),
    );
  });

  it('refuses a non-string', () => {
    expect(() => checkRealm('tokenGuard: options.realm', 42)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE', message: 'tokenGuard: options.realm must be a string' }),
    );
  });
});

describe('checkErrorUri', () => {
  it('B-23: accepts an absolute URI', () => {
    expect(checkErrorUri('errorUri', 'https://rs.example/e')).toBe('https://rs.example/e');
  });

  it.each(['/docs', 'docs', 'https://rs.example/a b', 'https://rs.example/"', ''])('B-23: refuses %j', (uri) => {
    expect(() => checkErrorUri('tokenGuard: options.errorUri', uri)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE', message: expect.stringMatching(/^tokenGuard: options\.errorUri must be an absolute URI/) }),
    );
  });
});

describe('ChallengeBuilder', () => {
  const builder = new ChallengeBuilder('api');

  it('B-16/B-17: no credentials gives realm only, no error and no description', () => {
    expect(builder.build(new CredentialsRequiredError('missing'))).toBe('Bearer realm="api"');
  });

  it('DEC-5: a store failure gives realm only', () => {
    expect(builder.build(new StoreUnavailableError('store_failed', { cause: new Error('bad "x"\n é') }))).toBe(
      'Bearer realm="api"',
    );
  });

  it('B-18: invalid_token with the generic description', () => {
    expect(builder.build(new InvalidTokenError('expired'))).toBe(
      'Bearer realm="api", error="invalid_token", error_description="The access token is invalid or has expired"',
    );
  });

  it('B-18/I-02: the same challenge for every invalid_token reason', () => {
    const values = (['unknown', 'expired', 'hash_mismatch', 'malformed_record'] as const).map((reason) =>
      builder.build(new InvalidTokenError(reason, 'scopes')),
    );
    expect(new Set(values).size).toBe(1);
  });

  it('B-19: insufficient_scope lists the scopes, space-separated', () => {
    expect(builder.build(new InsufficientScopeError(['admin', 'items:write'], 'all_of'))).toBe(
      'Bearer realm="api", error="insufficient_scope", ' +
        'error_description="The access token does not carry the scope this request requires", scope="admin items:write"',
    );
  });

  it('H-02: quotes and escapes the realm', () => {
    expect(new ChallengeBuilder('my "api"').build(new CredentialsRequiredError('missing'))).toBe(
      'Bearer realm="my \\"api\\""',
    );
  });

  it('B-23: adds error_uri to challenges that carry an error, and only to those', () => {
    const withUri = new ChallengeBuilder('api', 'https://rs.example/e');
    expect(withUri.build(new InvalidRequestError('malformed_authorization'))).toBe(
      'Bearer realm="api", error="invalid_request", ' +
        'error_description="The Authorization header is not a valid Bearer credential", error_uri="https://rs.example/e"',
    );
    expect(withUri.build(new CredentialsRequiredError('missing'))).toBe('Bearer realm="api"');
  });

  it('B-21/B-22: every challenge is well-formed, with each parameter once and only allowed characters', () => {
    const errors = [
      new CredentialsRequiredError('unsupported_scheme'),
      new InvalidRequestError('multiple_methods'),
      new InvalidTokenError('unknown'),
      new InsufficientScopeError(['a', 'b'], 'any_of'),
      new StoreUnavailableError('store_failed'),
    ];
    for (const error of errors) {
      const params = parameters(new ChallengeBuilder('r\\"x', 'https://e.example/').build(error) as string);
      const names = params.map(([name]) => name.toLowerCase());
      expect(new Set(names).size).toBe(names.length);
      for (const [name, value] of params) {
        if (name !== 'realm') expect(value).toMatch(/^[\x20\x21\x23-\x5B\x5D-\x7E]*$/);
      }
    }
  });

  it('B-22: sanitises a scope that was never checked', () => {
    expect(builder.build(new InsufficientScopeError(['a"b\n'], 'all_of'))).toMatch(/, scope="a\?b\?"$/);
  });
});
