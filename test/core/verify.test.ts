import { InvalidTokenError } from '../../src/core/errors.js';
import { hashToken } from '../../src/core/hash.js';
import type { AccessToken } from '../../src/core/record.js';
import { verifyRecord } from '../../src/core/verify.js';
import { HOUR, NOW } from '../helpers/fixtures.js';

const HASH = hashToken('token');

function refusal(record: unknown, now = NOW, tolerance = 0): InvalidTokenError {
  try {
    verifyRecord(record, HASH, now, tolerance);
  } catch (error) {
    if (error instanceof InvalidTokenError) return error;
    throw error;
  }
  throw new Error('expected an InvalidTokenError');
}

describe('verifyRecord', () => {
  const full: AccessToken = {
    accessTokenHash: HASH,
    accessTokenExpiresAt: NOW + HOUR,
    refreshTokenHash: hashToken('refresh'),
    refreshTokenExpiresAt: NOW + 24 * HOUR,
    createdAt: NOW - HOUR,
    lastRefreshedAt: 0,
    clientId: 2 ** 53 - 1,
    subject: 'alice',
    grantType: 'AUTHORIZATION_CODE',
    scopes: ['read', 'write'],
    properties: [
      { key: 'tenant', value: 'acme', hidden: false },
      { key: 'plan', value: 'gold', hidden: true },
      { key: '__proto__', value: 'plain key' },
    ],
    refreshTokenScopes: ['read'],
  };

  it('returns the AuthInfo of a live record, hidden properties included', () => {
    const info = verifyRecord(full, HASH, NOW, 0);
    expect(info).toEqual({
      subject: 'alice',
      clientId: 2 ** 53 - 1,
      scopes: ['read', 'write'],
      properties: expect.anything(),
      grantType: 'AUTHORIZATION_CODE',
      expiresAt: NOW + HOUR,
      accessToken: full,
    });
    expect(Object.entries(info.properties)).toEqual([
      ['tenant', 'acme'],
      ['plan', 'gold'],
      ['__proto__', 'plain key'],
    ]);
    expect(Object.getPrototypeOf(info.properties)).toBeNull();
    expect(info.accessToken).toBe(full);
  });

  it('fills in [] and {} for a record without scopes or properties', () => {
    const info = verifyRecord({ accessTokenHash: HASH, accessTokenExpiresAt: NOW + 1 }, HASH, NOW, 0);
    expect(info.scopes).toEqual([]);
    expect(Object.keys(info.properties)).toEqual([]);
    expect(info.subject).toBeUndefined();
    expect(info.clientId).toBeUndefined();
    expect(info.grantType).toBeUndefined();
  });

  it('passes unknown grant types and extra fields through', () => {
    const record = { accessTokenHash: HASH, accessTokenExpiresAt: NOW + 1, grantType: 'FUTURE_GRANT', cnf: { jkt: 'x' } };
    const info = verifyRecord(record, HASH, NOW, 0);
    expect(info.grantType).toBe('FUTURE_GRANT');
    expect(info.accessToken).toBe(record);
  });

  it('B-18: no record is unknown', () => {
    expect(refusal(undefined).reason).toBe('unknown');
    expect(refusal(null).reason).toBe('unknown');
  });

  describe('expiry boundaries (injected clock)', () => {
    const at = (expiresAt: number | undefined) => ({ accessTokenHash: HASH, accessTokenExpiresAt: expiresAt });

    it('accepts a token one ms before it expires', () => {
      expect(verifyRecord(at(NOW + 1), HASH, NOW, 0).expiresAt).toBe(NOW + 1);
    });

    it('B-24: refuses it at the very ms of expiry and after', () => {
      expect(refusal(at(NOW)).reason).toBe('expired');
      expect(refusal(at(NOW - 1)).reason).toBe('expired');
    });

    it('clockToleranceMs extends acceptance up to, not including, expiry + tolerance', () => {
      expect(verifyRecord(at(NOW - 4_999), HASH, NOW, 5_000).expiresAt).toBe(NOW - 4_999);
      expect(refusal(at(NOW - 5_000), NOW, 5_000).reason).toBe('expired');
    });

    it('treats an absent or 0 expiry as expired, even with a clock at 0', () => {
      expect(refusal(at(undefined)).reason).toBe('expired');
      expect(refusal(at(0)).reason).toBe('expired');
      expect(refusal(at(0), 0, 10).reason).toBe('expired');
    });

    it('refuses every token when the clock gives NaN', () => {
      expect(refusal(at(NOW + HOUR), Number.NaN).reason).toBe('expired');
    });
  });

  it('B-03: a record stored under another hash is a hash mismatch', () => {
    expect(refusal({ ...full, accessTokenHash: hashToken('TOKEN') }).reason).toBe('hash_mismatch');
    expect(refusal({ accessTokenExpiresAt: NOW + HOUR }).reason).toBe('hash_mismatch');
  });

  it('checks the record before the hash and the expiry', () => {
    expect(refusal({ accessTokenHash: 'other', accessTokenExpiresAt: 'soon' })).toMatchObject({
      reason: 'malformed_record',
      field: 'accessTokenExpiresAt',
    });
  });

  it.each<[string, unknown]>([
    ['(record)', 'a string'],
    ['(record)', 42],
    ['(record)', ['array']],
    ['accessTokenExpiresAt', { ...full, accessTokenExpiresAt: String(NOW + HOUR) }],
    ['accessTokenExpiresAt', { ...full, accessTokenExpiresAt: NOW + 0.5 }],
    ['accessTokenExpiresAt', { ...full, accessTokenExpiresAt: Number.POSITIVE_INFINITY }],
    ['accessTokenHash', { ...full, accessTokenHash: 42 }],
    ['clientId', { ...full, clientId: 2 ** 53 }],
    ['clientId', { ...full, clientId: '1001' }],
    ['subject', { ...full, subject: null }],
    ['grantType', { ...full, grantType: 1 }],
    ['scopes', { ...full, scopes: 'read' }],
    ['scopes', { ...full, scopes: ['read', 1] }],
    ['properties', { ...full, properties: [{ key: 'a', value: 1 }] }],
    ['properties', { ...full, properties: [{ key: 'a', value: 'b', hidden: 'no' }] }],
    ['properties', { ...full, properties: [null] }],
    ['properties', { ...full, properties: { key: 'a', value: 'b' } }],
    ['refreshTokenScopes', { ...full, refreshTokenScopes: [null] }],
    ['createdAt', { ...full, createdAt: '2026' }],
    ['lastRefreshedAt', { ...full, lastRefreshedAt: null }],
    ['refreshTokenHash', { ...full, refreshTokenHash: {} }],
    ['refreshTokenExpiresAt', { ...full, refreshTokenExpiresAt: true }],
  ])('B-18: a malformed record (%s) is invalid_token', (field, record) => {
    const error = refusal(record);
    expect(error.reason).toBe('malformed_record');
    expect(error.field).toBe(field);
    expect(error.message).toBe('The access token is invalid or has expired');
  });
});
