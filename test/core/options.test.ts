import { ChallengeBuilder } from '../../src/core/challenge.js';
import { CredentialsRequiredError, InvalidTokenError } from '../../src/core/errors.js';
import { hashToken } from '../../src/core/hash.js';
import { compileGuardOptions } from '../../src/core/options.js';
import { MemoryTokenStore } from '../../src/stores/memory.js';

const store = new MemoryTokenStore();

function failure(options: unknown): { name: string; code: string; message: string } {
  try {
    compileGuardOptions(options);
  } catch (error) {
    const { name, code, message } = error as TypeError & { code: string };
    return { name, code, message };
  }
  throw new Error('expected a TypeError');
}

describe('compileGuardOptions', () => {
  let warnings: Array<{ message: string; code: unknown }>;
  let emitWarning: jest.SpiedFunction<typeof process.emitWarning>;

  beforeEach(() => {
    warnings = [];
    emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation((warning, options) => {
      warnings.push({ message: String(warning), code: (options as { code?: string }).code });
    });
  });

  afterEach(() => emitWarning.mockRestore());

  it('fills in the defaults', () => {
    const config = compileGuardOptions({ store });
    expect(config).toEqual({
      store,
      hash: hashToken,
      requiredScopes: [],
      credentialsRequired: true,
      allowFormBody: false,
      allowQuery: false,
      clock: Date.now,
      clockToleranceMs: 0,
      skipPreflight: true,
      challenge: expect.any(ChallengeBuilder),
      sendErrors: false,
      audience: undefined,
      resolver: undefined,
      mtls: undefined,
      dpop: undefined,
      storeName: 'MemoryTokenStore',
      includeHash: false,
    });
    expect(config.challenge.build(new CredentialsRequiredError('missing'))).toBe('Bearer realm="api"');
  });

  it('takes every option', () => {
    const hash = (token: string) => token;
    const clock = () => 5;
    const config = compileGuardOptions({
      store,
      realm: 'example',
      hash,
      requiredScopes: ['a', 'b'],
      credentialsRequired: false,
      allowFormBody: true,
      allowQuery: true,
      clock,
      clockToleranceMs: 250,
      skipPreflight: false,
      errorUri: 'https://rs.example/e',
      sendErrors: true,
    });
    expect(config).toMatchObject({
      sendErrors: true,
      hash,
      clock,
      requiredScopes: ['a', 'b'],
      credentialsRequired: false,
      allowFormBody: true,
      allowQuery: true,
      clockToleranceMs: 250,
      skipPreflight: false,
    });
    expect(config.challenge.build(new InvalidTokenError('unknown'))).toBe(
      'Bearer realm="example", error="invalid_token", error_description="The access token is invalid or has expired", ' +
        'error_uri="https://rs.example/e"',
    );
  });

  it('treats options set to undefined as absent', () => {
    expect(compileGuardOptions({ store, realm: undefined, clock: undefined }).clock).toBe(Date.now);
  });

  it.each<[unknown, string, string]>([
    [undefined, 'ERR_INVALID_ARG_TYPE', 'tokenGuard: options must be an object, e.g. tokenGuard({ store })'],
    [null, 'ERR_INVALID_ARG_TYPE', 'tokenGuard: options must be an object, e.g. tokenGuard({ store })'],
    [{}, 'ERR_INVALID_ARG_TYPE', 'tokenGuard: options.store is required, e.g. tokenGuard({ store: new MemoryTokenStore() })'],
    [{ store: 'redis' }, 'ERR_INVALID_ARG_TYPE', 'tokenGuard: options.store must be an object with a findByAccessTokenHash(hash) or resolveAccessToken(token) method'],
    [{ store: {} }, 'ERR_INVALID_ARG_TYPE', 'tokenGuard: options.store has no findByAccessTokenHash(hash) or resolveAccessToken(token) method'],
    [
      { store: { findByAccessTokenHsh: () => undefined } },
      'ERR_INVALID_ARG_TYPE',
      'tokenGuard: options.store has no findByAccessTokenHash(hash) or resolveAccessToken(token) method (it has findByAccessTokenHsh(); rename it?)',
    ],
    [{ store, requiredScope: ['a'] }, 'ERR_INVALID_ARG_VALUE', 'tokenGuard: unknown option "requiredScope"; did you mean "requiredScopes"?'],
    [{ store, scopes: ['a'] }, 'ERR_INVALID_ARG_VALUE', 'tokenGuard: unknown option "scopes"; did you mean "requiredScopes"?'],
    [{ store, relm: 'x' }, 'ERR_INVALID_ARG_VALUE', 'tokenGuard: unknown option "relm"; did you mean "realm"?'],
    [{ store, failWithError: true }, 'ERR_INVALID_ARG_VALUE', 'tokenGuard: unknown option "failWithError"; did you mean "sendErrors"?'],
    [{ store, allowQueryString: true }, 'ERR_INVALID_ARG_VALUE', 'tokenGuard: unknown option "allowQueryString"; did you mean "allowQuery"?'],
    [{ store, credentialsOptional: true }, 'ERR_INVALID_ARG_VALUE', 'tokenGuard: unknown option "credentialsOptional"; did you mean "credentialsRequired"?'],
    [{ store, leeway: 5 }, 'ERR_INVALID_ARG_VALUE', 'tokenGuard: unknown option "leeway"; did you mean "clockToleranceMs"?'],
    [{ store, audience: '' }, 'ERR_INVALID_ARG_TYPE', "tokenGuard: options.audience must be a non-empty string (this resource server's identifier)"],
    [{ store, audience: ['x'] }, 'ERR_INVALID_ARG_TYPE', "tokenGuard: options.audience must be a non-empty string (this resource server's identifier)"],
    [{ store, aud: 'x' }, 'ERR_INVALID_ARG_VALUE', 'tokenGuard: unknown option "aud"; did you mean "audience"?'],
    [{ store, realm: '' }, 'ERR_INVALID_ARG_VALUE', 'tokenGuard: options.realm must be a non-empty string of printable ASCII characters'],
    [{ store, hash: 'sha256' }, 'ERR_INVALID_ARG_TYPE', 'tokenGuard: options.hash must be a function'],
    [{ store, clock: 5 }, 'ERR_INVALID_ARG_TYPE', 'tokenGuard: options.clock must be a function'],
    [{ store, credentialsRequired: 'false' }, 'ERR_INVALID_ARG_TYPE', 'tokenGuard: options.credentialsRequired must be true or false'],
    [{ store, allowFormBody: 1 }, 'ERR_INVALID_ARG_TYPE', 'tokenGuard: options.allowFormBody must be true or false'],
    [{ store, skipPreflight: null }, 'ERR_INVALID_ARG_TYPE', 'tokenGuard: options.skipPreflight must be true or false'],
    [{ store, sendErrors: 'yes' }, 'ERR_INVALID_ARG_TYPE', 'tokenGuard: options.sendErrors must be true or false'],
    [{ store, clockToleranceMs: '5' }, 'ERR_INVALID_ARG_TYPE', 'tokenGuard: options.clockToleranceMs must be a number'],
    [{ store, clockToleranceMs: -1 }, 'ERR_INVALID_ARG_VALUE', 'tokenGuard: options.clockToleranceMs must be a finite number of ms, 0 or more'],
    [{ store, clockToleranceMs: Number.NaN }, 'ERR_INVALID_ARG_VALUE', 'tokenGuard: options.clockToleranceMs must be a finite number of ms, 0 or more'],
    [{ store, requiredScopes: 'read' }, 'ERR_INVALID_ARG_TYPE', 'tokenGuard: options.requiredScopes must be an array of scope strings'],
    [{ store, requiredScopes: ['a"b'] }, 'ERR_INVALID_ARG_VALUE', `tokenGuard: options.requiredScopes[0] must be a non-empty scope token of printable ASCII without '"' or '\\'`],
    [{ store, errorUri: '/docs' }, 'ERR_INVALID_ARG_VALUE', 'tokenGuard: options.errorUri must be an absolute URI such as "https://api.example.com/docs/errors"'],
  ])('refuses %j with a TypeError naming the option', (options, code, message) => {
    expect(failure(options)).toEqual({ name: 'TypeError', code, message });
  });

  it('accepts a store whose method is on its prototype, and a function store', () => {
    expect(() => compileGuardOptions({ store: new MemoryTokenStore() })).not.toThrow();
    const fn = Object.assign(() => undefined, { findByAccessTokenHash: () => undefined });
    expect(() => compileGuardOptions({ store: fn })).not.toThrow();
  });

  it('warns once per process when allowQuery is on, and never otherwise', () => {
    jest.isolateModules(() => {
      const fresh: typeof import('../../src/core/options.js') = require('../../src/core/options.js');
      fresh.compileGuardOptions({ store, allowQuery: false });
      fresh.compileGuardOptions({ store, allowQuery: true });
      fresh.compileGuardOptions({ store, allowQuery: true });
    });
    expect(warnings).toEqual([
      {
        message: expect.stringMatching(/^tokenGuard: allowQuery is on\. Tokens in URLs reach access logs/),
        code: 'TOKEN_GUARD_QUERY_TOKENS',
      },
    ]);
  });
});
