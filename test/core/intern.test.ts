import { ListInterner } from '../../src/core/intern.js';
import { checkRecord, type AccessToken } from '../../src/core/record.js';

const input = (fields: Partial<AccessToken>): AccessToken => checkRecord({ accessTokenHash: 'h', ...fields }, 'test');

describe('ListInterner', () => {
  it('gives equal lists one deep-frozen array and equal properties one prototype-less map', () => {
    const lists = new ListInterner();
    const a = input({ scopes: ['read', 'write'], refreshTokenScopes: ['read', 'write'], properties: [{ key: 'k', value: 'v', hidden: true }] });
    const b = input({ scopes: ['read', 'write'], properties: [{ key: 'k', value: 'v', hidden: true }] });
    const mapA = lists.intern(a);
    const mapB = lists.intern(b);
    expect(b.scopes).toBe(a.scopes);
    expect(a.refreshTokenScopes).toBe(a.scopes);
    expect(b.properties).toBe(a.properties);
    expect(mapB).toBe(mapA);
    expect(Object.getPrototypeOf(mapA)).toBeNull();
    expect({ ...mapA }).toEqual({ k: 'v' });
    expect(Object.isFrozen(a.scopes)).toBe(true);
    expect(Object.isFrozen(a.properties?.[0])).toBe(true);
    expect(lists.size).toBe(2);
  });

  it('tells apart lists that differ in order or in a hidden flag', () => {
    const lists = new ListInterner();
    const a = input({ scopes: ['a', 'b'], properties: [{ key: 'k', value: 'v' }] });
    const b = input({ scopes: ['b', 'a'], properties: [{ key: 'k', value: 'v', hidden: false }] });
    lists.intern(a);
    lists.intern(b);
    expect(b.scopes).not.toBe(a.scopes);
    expect(b.properties).toStrictEqual([{ key: 'k', value: 'v', hidden: false }]);
    expect(a.properties).toStrictEqual([{ key: 'k', value: 'v' }]);
    expect(lists.size).toBe(4);
  });

  it('drops a list with the last record holding it, and not before', () => {
    const lists = new ListInterner();
    const a = input({ scopes: ['read'], refreshTokenScopes: ['read'] });
    const b = input({ scopes: ['read'] });
    lists.intern(a);
    lists.intern(b);
    lists.release(a);
    expect(lists.size).toBe(1);
    const c = input({ scopes: ['read'] });
    lists.intern(c);
    expect(c.scopes).toBe(b.scopes);
    lists.release(b);
    lists.release(c);
    expect(lists.size).toBe(0);
  });
});
