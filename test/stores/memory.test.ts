import { MemoryTokenStore, hashToken, type AccessToken } from '../../src/index.js';
import { sealedAuthInfo } from '../../src/core/sealed-record.js';
import { storeContract } from '../../src/testing/index.js';
import { NOW, T_OK, fixtureRecords, record } from '../helpers/fixtures.js';

describe('MemoryTokenStore', () => {
  it('starts empty or with the records given', async () => {
    expect(new MemoryTokenStore().size).toBe(0);
    const store = new MemoryTokenStore(fixtureRecords());
    expect(store.size).toBe(4);
    expect(await store.findByAccessTokenHash(hashToken(T_OK))).toEqual(fixtureRecords()[0]);
  });

  it('answers lookups synchronously', () => {
    const store = new MemoryTokenStore([record('a')]);
    expect(store.findByAccessTokenHash(hashToken('a'))).toEqual(record('a'));
    expect(store.findByAccessTokenHash(hashToken('b'))).toBeUndefined();
  });

  it('saves as an upsert keyed by accessTokenHash', async () => {
    const store = new MemoryTokenStore();
    await store.save(record('a', { subject: 'first' }));
    await store.save(record('a', { subject: 'second' }));
    expect(store.size).toBe(1);
    expect(store.findByAccessTokenHash(hashToken('a'))?.subject).toBe('second');
  });

  it('round-trips a full record exactly, absent fields staying absent', async () => {
    const full: AccessToken = {
      accessTokenHash: hashToken('full'),
      accessTokenExpiresAt: NOW,
      refreshTokenHash: hashToken('refresh'),
      refreshTokenExpiresAt: 0,
      createdAt: NOW - 1,
      lastRefreshedAt: 0,
      clientId: 2 ** 53 - 1,
      subject: 'sub',
      grantType: 'SOMETHING_NEW',
      scopes: [],
      properties: [{ key: 'k', value: 'v', hidden: true }],
      refreshTokenScopes: ['a'],
    };
    const sparse: AccessToken = { accessTokenHash: hashToken('sparse') };
    const store = new MemoryTokenStore([full, sparse]);
    expect(store.findByAccessTokenHash(full.accessTokenHash as string)).toStrictEqual(full);
    expect(Object.keys(store.findByAccessTokenHash(sparse.accessTokenHash as string) ?? {})).toEqual(['accessTokenHash']);
  });

  it('keeps a frozen copy: later changes by the caller or a reader do not reach it', async () => {
    const original = record('a', { scopes: ['read'], properties: [{ key: 'k', value: 'v' }] });
    const store = new MemoryTokenStore();
    await store.save(original);
    (original.scopes as string[]).push('admin');
    const stored = store.findByAccessTokenHash(hashToken('a')) as AccessToken;
    expect(stored.scopes).toEqual(['read']);
    expect(Object.isFrozen(stored)).toBe(true);
    expect(Object.isFrozen(stored.scopes)).toBe(true);
    expect(Object.isFrozen(stored.properties?.[0])).toBe(true);
  });

  it('shares one frozen array among records with equal scopes, and one properties map', async () => {
    const store = new MemoryTokenStore();
    const properties = [{ key: 'tenant', value: 'acme', hidden: false }];
    await store.save(record('a', { scopes: ['read', 'write'], refreshTokenScopes: ['read', 'write'], properties }));
    await store.save(record('b', { scopes: ['read', 'write'], properties: [{ key: 'tenant', value: 'acme', hidden: false }] }));
    const a = store.findByAccessTokenHash(hashToken('a')) as AccessToken;
    const b = store.findByAccessTokenHash(hashToken('b')) as AccessToken;
    expect(b.scopes).toBe(a.scopes);
    expect(a.refreshTokenScopes).toBe(a.scopes);
    expect(b.properties).toBe(a.properties);
    expect(Object.isFrozen(a.scopes)).toBe(true);
    expect(a.scopes).toEqual(['read', 'write']);
    expect(sealedAuthInfo(b)?.properties).toBe(sealedAuthInfo(a)?.properties);
    expect({ ...sealedAuthInfo(a)?.properties }).toEqual({ tenant: 'acme' });
  });

  it('is not changed by changes to the saved input, shared lists included', async () => {
    const store = new MemoryTokenStore();
    const scopes = ['read'];
    const properties = [{ key: 'tenant', value: 'acme' }];
    await store.save(record('a', { scopes, properties }));
    await store.save(record('b', { scopes, properties }));
    scopes.push('admin');
    (properties[0] as { value: string }).value = 'evil';
    expect(store.findByAccessTokenHash(hashToken('a'))).toStrictEqual(record('a', { scopes: ['read'], properties: [{ key: 'tenant', value: 'acme' }] }));
    expect(store.findByAccessTokenHash(hashToken('b'))?.scopes).toEqual(['read']);
    await store.save(record('c', { scopes, properties }));
    expect(store.findByAccessTokenHash(hashToken('c'))).toStrictEqual(record('c', { scopes: ['read', 'admin'], properties: [{ key: 'tenant', value: 'evil' }] }));
    expect(store.findByAccessTokenHash(hashToken('c'))?.scopes).not.toBe(store.findByAccessTokenHash(hashToken('a'))?.scopes);
  });

  it('keeps serving a shared list after a record holding it is deleted or replaced', async () => {
    const store = new MemoryTokenStore([record('a', { scopes: ['read'] }), record('b', { scopes: ['read'] })]);
    const shared = store.findByAccessTokenHash(hashToken('b'))?.scopes;
    await store.deleteByAccessTokenHash(hashToken('a'));
    await store.save(record('b', { subject: 'new', scopes: ['read'] }));
    await store.save(record('c', { scopes: ['read'] }));
    expect(store.findByAccessTokenHash(hashToken('b'))?.scopes).toEqual(['read']);
    expect(store.findByAccessTokenHash(hashToken('c'))?.scopes).toBe(store.findByAccessTokenHash(hashToken('b'))?.scopes);
    expect(shared).toEqual(['read']);
  });

  it('deletes by subject whether the subject holds one token or several', async () => {
    const store = new MemoryTokenStore([record('a', { subject: 's1' }), record('b', { subject: 's2' }), record('c', { subject: 's2' })]);
    await expect(store.deleteBySubject('s1')).resolves.toBe(1);
    await store.deleteByAccessTokenHash(hashToken('b'));
    await expect(store.deleteBySubject('s2')).resolves.toBe(1);
    await expect(store.deleteBySubject('s1')).resolves.toBe(0);
    expect(store.size).toBe(0);
  });

  it('deletes by hash, saying whether there was a record', async () => {
    const store = new MemoryTokenStore([record('a')]);
    await expect(store.deleteByAccessTokenHash(hashToken('a'))).resolves.toBe(true);
    await expect(store.deleteByAccessTokenHash(hashToken('a'))).resolves.toBe(false);
    expect(store.findByAccessTokenHash(hashToken('a'))).toBeUndefined();
  });

  it('accepts an already-expired record (the guard refuses it)', async () => {
    const store = new MemoryTokenStore();
    await store.save(record('old', { accessTokenExpiresAt: 1 }));
    expect(store.size).toBe(1);
  });

  it.each<[unknown, string, string]>([
    [{ accessTokenExpiresAt: NOW }, 'ERR_INVALID_ARG_VALUE', 'MemoryTokenStore.save: record.accessTokenHash is required: hashToken(token) gives it'],
    [{ accessTokenHash: '' }, 'ERR_INVALID_ARG_VALUE', 'MemoryTokenStore.save: record.accessTokenHash is required: hashToken(token) gives it'],
    [{ accessTokenHash: 5 }, 'ERR_INVALID_ARG_TYPE', 'MemoryTokenStore.save: record.accessTokenHash must be a string'],
    [{ accessTokenHash: 'h', accessTokenExpiresAt: '1' }, 'ERR_INVALID_ARG_TYPE', 'MemoryTokenStore.save: record.accessTokenExpiresAt must be an integer (ms since the epoch)'],
    [{ accessTokenHash: 'h', clientId: 2 ** 53 }, 'ERR_INVALID_ARG_TYPE', 'MemoryTokenStore.save: record.clientId must be an integer no larger than 2^53-1'],
    [{ accessTokenHash: 'h', properties: [{ key: 'k' }] }, 'ERR_INVALID_ARG_TYPE', 'MemoryTokenStore.save: record.properties must be an array of { key: string, value: string, hidden?: boolean }'],
    [null, 'ERR_INVALID_ARG_TYPE', 'MemoryTokenStore.save: record must be an object'],
  ])('refuses %j with a TypeError naming the field', async (bad, code, message) => {
    const store = new MemoryTokenStore([record('keep')]);
    await expect(store.save(bad as AccessToken)).rejects.toEqual(expect.objectContaining({ name: 'TypeError', code, message }));
    expect(store.size).toBe(1);
  });

  it('refuses a bad record or a non-iterable in the constructor', () => {
    expect(() => new MemoryTokenStore([record('a'), { subject: 'x' }])).toThrow(
      'MemoryTokenStore: records[].accessTokenHash is required: hashToken(token) gives it',
    );
    expect(() => new MemoryTokenStore(record('a') as unknown as AccessToken[])).toThrow(
      'MemoryTokenStore: records must be an iterable of AccessToken records',
    );
  });
});

storeContract('MemoryTokenStore', () => new MemoryTokenStore(), { describe, it, afterEach, capabilities: { deleteExpired: true } });
