import type { AccessToken } from '../../src/index.js';
import { hashToken } from '../../src/index.js';

/** The fixed "now" of every test that does not move the clock itself. */
export const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
export const HOUR = 3_600_000;

/** Tokens of the conformance fixture (../shared/conformance.md). */
export const T_OK = 'tok-OK.read_0123456789~+/';
export const T_ADMIN = 'tok-ADMIN.all_0123456789';
export const T_EXP = 'tok-EXPIRED_0123456789';
export const T_INACT = 'tok-NO-RECORD_0123456789';
export const T_B64 = 'aZ09-._~+/==';

export function record(token: string, fields: Partial<AccessToken> = {}): AccessToken {
  return { accessTokenHash: hashToken(token), accessTokenExpiresAt: NOW + HOUR, ...fields };
}

/** A record for `token` that is valid for an hour from the real time and carries scope `read`. */
export function liveRecord(token: string, fields: Partial<AccessToken> = {}): AccessToken {
  return record(token, { accessTokenExpiresAt: Date.now() + HOUR, scopes: ['read'], ...fields });
}

export function fixtureRecords(): AccessToken[] {
  return [
    record(T_OK, {
      subject: 'alice',
      clientId: 1001,
      grantType: 'AUTHORIZATION_CODE',
      scopes: ['read'],
      createdAt: NOW - HOUR,
      properties: [
        { key: 'tenant', value: 'acme', hidden: false },
        { key: 'plan', value: 'gold', hidden: true },
      ],
    }),
    record(T_ADMIN, { subject: 'root', clientId: 7, scopes: ['read', 'write', 'admin'] }),
    record(T_EXP, { subject: 'alice', scopes: ['read'], accessTokenExpiresAt: NOW - 1 }),
    record(T_B64, { subject: 'b64', scopes: ['read'] }),
  ];
}

const MESSAGES = {
  malformed: 'The Authorization header is not a valid Bearer credential',
  repeated: 'The Authorization header appears more than once',
  methods: 'The access token was sent by more than one method',
  repeatedParameter: 'The access_token parameter appears more than once',
  malformedParameter: 'The access_token parameter is not a valid token',
  invalidToken: 'The access token is invalid or has expired',
  scope: 'The access token does not carry the scope this request requires',
};

/** Exact `WWW-Authenticate` values for realm `realm`. */
export function challenges(realm = 'api') {
  const c0 = `Bearer realm="${realm}"`;
  const request = (description: string) => `${c0}, error="invalid_request", error_description="${description}"`;
  return {
    C0: c0,
    malformed: request(MESSAGES.malformed),
    repeated: request(MESSAGES.repeated),
    methods: request(MESSAGES.methods),
    repeatedParameter: request(MESSAGES.repeatedParameter),
    malformedParameter: request(MESSAGES.malformedParameter),
    invalidToken: `${c0}, error="invalid_token", error_description="${MESSAGES.invalidToken}"`,
    scope: (scope: string) =>
      `${c0}, error="insufficient_scope", error_description="${MESSAGES.scope}", scope="${scope}"`,
  };
}

export const C = challenges();
