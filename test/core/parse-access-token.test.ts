import { parseAccessToken } from '../../src/index.js';

const camel = {
  accessTokenHash: 'h1',
  accessTokenExpiresAt: 1767268800000,
  refreshTokenHash: 'r1',
  refreshTokenExpiresAt: 0,
  createdAt: 1767265200000,
  lastRefreshedAt: 0,
  clientId: 9007199254740991,
  subject: 'alice',
  grantType: 'AUTHORIZATION_CODE',
  scopes: ['read', 'write'],
  properties: [
    { key: 'tenant', value: 'acme', hidden: false },
    { key: 'plan', value: 'gold', hidden: true },
  ],
  refreshTokenScopes: ['read'],
};

const snake = {
  access_token_hash: 'h1',
  access_token_expires_at: 1767268800000,
  refresh_token_hash: 'r1',
  refresh_token_expires_at: 0,
  created_at: 1767265200000,
  last_refreshed_at: 0,
  client_id: 9007199254740991,
  subject: 'alice',
  grant_type: 'AUTHORIZATION_CODE',
  scopes: ['read', 'write'],
  properties: [
    { key: 'tenant', value: 'acme', hidden: false },
    { key: 'plan', value: 'gold', hidden: true },
  ],
  refresh_token_scopes: ['read'],
};

function failure(value: unknown): { name: string; code: string; message: string } {
  try {
    parseAccessToken(value);
  } catch (error) {
    const { name, code, message } = error as TypeError & { code: string };
    return { name, code, message };
  }
  throw new Error('expected a TypeError');
}

describe('parseAccessToken', () => {
  it("reads Authlete's camelCase spelling", () => {
    expect(parseAccessToken(JSON.parse(JSON.stringify(camel)))).toStrictEqual(camel);
  });

  it("reads the Ruby SDK's snake_case spelling into camelCase", () => {
    expect(parseAccessToken(JSON.parse(JSON.stringify(snake)))).toStrictEqual(camel);
  });

  it('takes a mix of spellings, null as absent, and drops unknown fields and raw tokens', () => {
    const parsed = parseAccessToken({
      access_token_hash: 'h',
      accessTokenExpiresAt: 5,
      subject: null,
      refresh_token_hash: null,
      accessToken: 'raw-token',
      access_token: 'raw-token',
      unknownField: 1,
      properties: [{ key: 'k', value: 'v', hidden: null }],
    });
    expect(parsed).toStrictEqual({ accessTokenHash: 'h', accessTokenExpiresAt: 5, properties: [{ key: 'k', value: 'v' }] });
  });

  it('passes unknown grant types through and keeps absent fields absent', () => {
    expect(parseAccessToken({ grant_type: 'NEW_GRANT' })).toStrictEqual({ grantType: 'NEW_GRANT' });
    expect(parseAccessToken({})).toStrictEqual({});
  });

  it.each<[unknown, string, string]>([
    [null, 'ERR_INVALID_ARG_TYPE', 'parseAccessToken: value must be an object'],
    [[camel], 'ERR_INVALID_ARG_TYPE', 'parseAccessToken: value must be an object'],
    ['{}', 'ERR_INVALID_ARG_TYPE', 'parseAccessToken: value must be an object'],
    [{ client_id: 9007199254740992 }, 'ERR_INVALID_ARG_TYPE', 'parseAccessToken: client_id must be an integer no larger than 2^53-1'],
    [JSON.parse('{"clientId": 12345678901234567890}'), 'ERR_INVALID_ARG_TYPE', 'parseAccessToken: clientId must be an integer no larger than 2^53-1'],
    [{ access_token_expires_at: '1767268800000' }, 'ERR_INVALID_ARG_TYPE', 'parseAccessToken: access_token_expires_at must be an integer (ms since the epoch)'],
    [{ createdAt: 1.5 }, 'ERR_INVALID_ARG_TYPE', 'parseAccessToken: createdAt must be an integer (ms since the epoch)'],
    [{ scopes: 'read write' }, 'ERR_INVALID_ARG_TYPE', 'parseAccessToken: scopes must be an array of strings'],
    [{ refresh_token_scopes: [1] }, 'ERR_INVALID_ARG_TYPE', 'parseAccessToken: refresh_token_scopes must be an array of strings'],
    [{ properties: [{ key: 'k', value: 'v', hidden: 'yes' }] }, 'ERR_INVALID_ARG_TYPE', 'parseAccessToken: properties must be an array of { key: string, value: string, hidden?: boolean }'],
    [{ subject: 42 }, 'ERR_INVALID_ARG_TYPE', 'parseAccessToken: subject must be a string'],
    [{ accessTokenHash: 'a', access_token_hash: 'b' }, 'ERR_INVALID_ARG_VALUE', 'parseAccessToken: accessTokenHash and access_token_hash are both given'],
  ])('refuses %j with a TypeError naming the field', (value, code, message) => {
    expect(failure(value)).toEqual({ name: 'TypeError', code, message });
  });
});
