import { DpopNonces } from '../../src/binding/nonce.js';

// Stateless DPoP nonces (RFC 9449 §8, §9): an HMAC over the time window and the client's key.

describe('DpopNonces', () => {
  const secret = new TextEncoder().encode('x'.repeat(32));
  const t0 = 1_800_000_000_000 - (1_800_000_000_000 % 60_000);

  it('issues one nonce per key and window, accepted in its window and the next, then refused', () => {
    const nonces = new DpopNonces(60_000, secret);
    const n = nonces.issue('jkt-1', t0);
    expect(n).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(nonces.issue('jkt-1', t0 + 59_999)).toBe(n);
    expect(nonces.issue('jkt-2', t0)).not.toBe(n);
    expect(nonces.issue('jkt-1', t0 + 60_000)).not.toBe(n);
    expect([t0, t0 + 59_999, t0 + 60_000, t0 + 119_999, t0 + 120_000, t0 - 1].map((now) => nonces.check(n, 'jkt-1', now))).toEqual([
      'current', 'current', 'previous', 'previous', 'invalid', 'invalid',
    ]);
    expect(nonces.check(n, 'jkt-2', t0)).toBe('invalid');
  });

  it('refuses what it did not issue: another secret, a flipped bit, other shapes', () => {
    const nonces = new DpopNonces(60_000, secret);
    const other = new DpopNonces(60_000, new TextEncoder().encode('y'.repeat(32)));
    const n = nonces.issue('jkt-1', t0);
    const flipped = Buffer.from(n, 'base64url');
    flipped[10] = (flipped[10] as number) ^ 1;
    for (const value of [other.issue('jkt-1', t0), flipped.toString('base64url'), `${n.slice(0, 31)}=`, n.slice(1), undefined, 42, '']) {
      expect(nonces.check(value, 'jkt-1', t0)).toBe('invalid');
    }
    expect(other.check(n, 'jkt-1', t0)).toBe('invalid');
  });

  it('without a secret, each instance makes its own', () => {
    const [a, b] = [new DpopNonces(60_000, undefined), new DpopNonces(60_000, undefined)];
    expect(b.check(a.issue('jkt-1', t0), 'jkt-1', t0)).toBe('invalid');
    expect(a.check(a.issue('jkt-1', t0), 'jkt-1', t0)).toBe('current');
  });
});
