import { InvalidTokenError } from '../../src/core/errors.js';
import { hashToken } from '../../src/core/hash.js';
import { checkRecord } from '../../src/core/record.js';
import { sealRecord, sealedAuthInfo } from '../../src/core/sealed-record.js';
import { verifyRecord } from '../../src/core/verify.js';
import { HOUR, NOW, record } from '../helpers/fixtures.js';

describe('sealRecord', () => {
  const original = record('t', { subject: 'alice', scopes: ['read'], properties: [{ key: 'k', value: 'v', hidden: true }] });

  it('returns a deep-frozen copy whose AuthInfo is computed once', () => {
    const sealed = sealRecord(checkRecord(original, 'test'));
    expect(sealed).toStrictEqual(original);
    expect(sealed).not.toBe(original);
    expect(Object.isFrozen(sealed.properties?.[0])).toBe(true);
    const info = verifyRecord(sealed, hashToken('t'), NOW, 0);
    expect(info).toBe(sealedAuthInfo(sealed));
    expect(verifyRecord(sealed, hashToken('t'), NOW, 0)).toBe(info);
    expect(Object.isFrozen(info)).toBe(true);
    expect({ ...info.properties }).toEqual({ k: 'v' });
  });

  it('still checks hash and expiry of a sealed record on every call', () => {
    const sealed = sealRecord(checkRecord(original, 'test'));
    expect(() => verifyRecord(sealed, hashToken('other'), NOW, 0)).toThrow(expect.objectContaining({ reason: 'hash_mismatch' }));
    expect(() => verifyRecord(sealed, hashToken('t'), NOW + HOUR, 0)).toThrow(InvalidTokenError);
  });

  it('knows nothing of records it did not seal', () => {
    expect(sealedAuthInfo(original)).toBeUndefined();
    expect(sealedAuthInfo('x')).toBeUndefined();
    expect(sealedAuthInfo(undefined)).toBeUndefined();
  });

  it('links the AuthInfo invisibly: no key, not carried by copies or prototypes', () => {
    const sealed = sealRecord(checkRecord(original, 'test'));
    expect(Reflect.ownKeys(sealed)).toEqual(Object.keys(original));
    expect(sealedAuthInfo({ ...sealed })).toBeUndefined();
    expect(sealedAuthInfo(Object.create(sealed))).toBeUndefined();
    expect(sealedAuthInfo(sealed)?.accessToken).toBe(sealed);
  });

  it('uses the properties map it is given', () => {
    const map = Object.freeze(Object.assign(Object.create(null), { k: 'v' }));
    expect(sealedAuthInfo(sealRecord(checkRecord(original, 'test'), map))?.properties).toBe(map);
  });

  it('checkRecord, which every sealed record goes through, refuses a missing hash or a wrong field, naming it', () => {
    expect(() => checkRecord({ subject: 'x' }, 'save: record')).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE', message: 'save: record.accessTokenHash is required: hashToken(token) gives it' }),
    );
    expect(() => checkRecord({ accessTokenHash: 'h', scopes: [1] }, 'save: record')).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE', message: 'save: record.scopes must be an array of strings' }),
    );
  });
});
