import { createHash } from 'node:crypto';
import { hashToken } from '../../src/core/hash.js';

describe('hashToken', () => {
  it.each([
    ['', '47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU'],
    ['abc', 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0'],
    ['abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq', 'JI1qYdIGOLjlwCaTDD5gOaM85Flk_yFn9uzt1BnbBsE'],
  ])('is SHA-256 base64url without padding: %j', (token, expected) => {
    expect(hashToken(token)).toBe(expected);
  });

  it('always gives 43 characters of the base64url alphabet', () => {
    for (const token of ['a', 'aZ09-._~+/==', 'x'.repeat(16 * 1024)]) {
      expect(hashToken(token)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    }
  });

  it('hashes the token case-sensitively (B-03)', () => {
    expect(hashToken('Token')).not.toBe(hashToken('token'));
  });

  it('agrees with createHash over the UTF-8 bytes', () => {
    for (const token of ['plain', 'é-not-a-b64token', '\u{1F600}']) {
      expect(hashToken(token)).toBe(createHash('sha256').update(Buffer.from(token, 'utf8')).digest('base64url'));
    }
  });

  it('refuses a non-string with ERR_INVALID_ARG_TYPE', () => {
    expect(() => hashToken(Buffer.from('abc') as unknown as string)).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message: 'hashToken: token must be a string' }),
    );
  });
});
