import express = require('express');
import request from 'supertest';
import {
  MemoryTokenStore,
  StoreTimeoutError,
  cachedStore,
  hashToken,
  requireScopes,
  tokenGuard,
  type AccessToken,
  type TokenStore,
} from '../../src/index.js';
import { storeContract } from '../../src/testing/index.js';
import { C, HOUR, NOW, record } from '../helpers/fixtures.js';
import { causeCapture } from '../helpers/guarded-app.js';
import { LoopbackBus } from '../helpers/loopback-bus.js';

const A = hashToken('tok-a');
const B = hashToken('tok-b');

/** A store whose lookups wait until the test settles them; it counts the calls it receives. */
class GatedStore implements TokenStore {
  readonly calls: string[] = [];
  readonly #pending: Array<{ hash: string; resolve: (value: AccessToken | undefined) => void; reject: (error: unknown) => void }> = [];

  constructor(readonly records = new MemoryTokenStore()) {}

  findByAccessTokenHash(hash: string): Promise<AccessToken | undefined> {
    this.calls.push(hash);
    return new Promise((resolve, reject) => this.#pending.push({ hash, resolve, reject }));
  }

  /** Answers every waiting lookup from `records`, or with `error`. */
  settle(error?: Error): void {
    for (const { hash, resolve, reject } of this.#pending.splice(0)) {
      if (error) reject(error);
      else resolve(this.records.findByAccessTokenHash(hash));
    }
  }
}

/** A store that answers every lookup at once, with a promise, from a memory store; it counts calls. */
class AsyncStore implements TokenStore {
  calls = 0;
  constructor(readonly records = new MemoryTokenStore()) {}
  async findByAccessTokenHash(hash: string): Promise<AccessToken | undefined> {
    this.calls++;
    return this.records.findByAccessTokenHash(hash);
  }
}

function clockAt(start: number) {
  const clock = () => clock.now;
  clock.now = start;
  return clock;
}

/** An app whose guard and cache share the clock; `GET /r` needs `read`. */
function app(store: TokenStore, clock: () => number) {
  const { causes, handler } = causeCapture();
  const application = express();
  application.use(tokenGuard({ store, clock }));
  application.get('/r', requireScopes('read'), (req, res) => {
    res.json({ subject: req.auth?.subject ?? null });
  });
  application.use(handler);
  return { app: application, causes };
}

async function untilCalled(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setImmediate(resolve));
}

describe('cachedStore', () => {
  it('answers a hit synchronously, with a sealed copy, and counts hits and misses', async () => {
    const inner = new AsyncStore(new MemoryTokenStore([record('tok-a', { subject: 'alice', scopes: ['read'] })]));
    const store = cachedStore(inner, { clock: () => NOW });
    const first = store.findByAccessTokenHash(A);
    expect(first).toBeInstanceOf(Promise);
    expect(await first).toEqual(record('tok-a', { subject: 'alice', scopes: ['read'] }));
    const second = store.findByAccessTokenHash(A);
    expect(second).toEqual(record('tok-a', { subject: 'alice', scopes: ['read'] }));
    expect(Object.isFrozen(second)).toBe(true);
    expect(inner.calls).toBe(1);
    expect(store.stats()).toEqual({ hits: 1, misses: 1, coalesced: 0, evictions: 0, size: 1 });
  });

  it('I-05: an entry ends when its token expires, and the guard refuses the token at that moment', async () => {
    const clock = clockAt(NOW);
    const inner = new AsyncStore(new MemoryTokenStore([record('tok-a', { scopes: ['read'], accessTokenExpiresAt: NOW + 2_000 })]));
    const store = cachedStore(inner, { ttlMs: 60_000, clock });
    const { app: application } = app(store, clock);
    expect((await request(application).get('/r').set('Authorization', 'Bearer tok-a')).status).toBe(200);
    clock.now = NOW + 1_999;
    expect((await request(application).get('/r').set('Authorization', 'Bearer tok-a')).status).toBe(200);
    expect(inner.calls).toBe(1);
    clock.now = NOW + 2_000;
    const expired = await request(application).get('/r').set('Authorization', 'Bearer tok-a');
    expect([expired.status, expired.headers['www-authenticate']]).toEqual([401, C.invalidToken]);
    expect(inner.calls).toBe(2);
  });

  it('I-05: a token revoked behind the cache passes until ttlMs has gone by, then is refused', async () => {
    const clock = clockAt(NOW);
    const records = new MemoryTokenStore([record('tok-a', { scopes: ['read'] })]);
    const store = cachedStore(new AsyncStore(records), { ttlMs: 30_000, clock });
    const { app: application } = app(store, clock);
    expect((await request(application).get('/r').set('Authorization', 'Bearer tok-a')).status).toBe(200);
    await records.deleteByAccessTokenHash(A);
    clock.now = NOW + 29_999;
    expect((await request(application).get('/r').set('Authorization', 'Bearer tok-a')).status).toBe(200);
    clock.now = NOW + 30_000;
    const revoked = await request(application).get('/r').set('Authorization', 'Bearer tok-a');
    expect([revoked.status, revoked.headers['www-authenticate']]).toEqual([401, C.invalidToken]);
  });

  it('makes one call to the inner store for 100 parallel requests on a cold token, and answers all 100', async () => {
    const inner = new GatedStore(new MemoryTokenStore([record('tok-a', { subject: 'alice', scopes: ['read'] })]));
    const store = cachedStore(inner, { clock: () => NOW });
    const { app: application } = app(store, () => NOW);
    const server = application.listen(0, '127.0.0.1');
    try {
      const responses = Array.from({ length: 100 }, () => request(server).get('/r').set('Authorization', 'Bearer tok-a').then((r) => r));
      await untilCalled(() => store.stats().misses + store.stats().coalesced === 100);
      inner.settle();
      const answers = await Promise.all(responses);
      expect(answers.map((r) => [r.status, r.body])).toEqual(Array(100).fill([200, { subject: 'alice' }]));
      expect(inner.calls).toEqual([A]);
      expect(store.stats()).toEqual({ hits: 0, misses: 1, coalesced: 99, evictions: 0, size: 1 });
    } finally {
      server.close();
    }
  });

  it('fails every request waiting on a lookup that rejects with 503, caches nothing, and asks again next time', async () => {
    const inner = new GatedStore(new MemoryTokenStore([record('tok-a', { subject: 'alice', scopes: ['read'] })]));
    const store = cachedStore(inner, { clock: () => NOW });
    const { app: application, causes } = app(store, () => NOW);
    const server = application.listen(0, '127.0.0.1');
    try {
      const failing = Array.from({ length: 10 }, () => request(server).get('/r').set('Authorization', 'Bearer tok-a').then((r) => r));
      await untilCalled(() => store.stats().misses + store.stats().coalesced === 10);
      const outage = new Error('connection refused');
      inner.settle(outage);
      expect((await Promise.all(failing)).map((r) => r.status)).toEqual(Array(10).fill(503));
      expect(causes).toEqual(Array(10).fill(outage));
      expect(store.stats().size).toBe(0);
      const retry = request(server).get('/r').set('Authorization', 'Bearer tok-a').then((r) => r);
      await untilCalled(() => inner.calls.length === 2);
      inner.settle();
      expect((await retry).status).toBe(200);
    } finally {
      server.close();
    }
  });

  it('passes a synchronous throw of the inner store on (503) and caches nothing', async () => {
    let fail = true;
    const records = new MemoryTokenStore([record('tok-a', { scopes: ['read'] })]);
    const store = cachedStore(
      {
        findByAccessTokenHash(hash: string) {
          if (fail) throw new Error('broken');
          return records.findByAccessTokenHash(hash);
        },
      },
      { clock: () => NOW },
    );
    const { app: application } = app(store, () => NOW);
    expect((await request(application).get('/r').set('Authorization', 'Bearer tok-a')).status).toBe(503);
    fail = false;
    expect((await request(application).get('/r').set('Authorization', 'Bearer tok-a')).status).toBe(200);
    expect(store.stats()).toEqual({ hits: 0, misses: 2, coalesced: 0, evictions: 0, size: 1 });
  });

  describe('timeoutMs', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('fails every lookup waiting on a hung call with StoreTimeoutError, and forgets the call', async () => {
      const inner = new GatedStore(new MemoryTokenStore([record('tok-a')]));
      const store = cachedStore(inner, { timeoutMs: 500, clock: () => NOW });
      const first = store.findByAccessTokenHash(A) as Promise<unknown>;
      const second = store.findByAccessTokenHash(A) as Promise<unknown>;
      jest.advanceTimersByTime(499);
      expect(inner.calls).toEqual([A]);
      jest.advanceTimersByTime(1);
      for (const waiting of [first, second]) {
        await expect(waiting).rejects.toEqual(new StoreTimeoutError('cachedStore', 500));
        await expect(waiting).rejects.toMatchObject({ code: 'ERR_STORE_TIMEOUT', message: 'cachedStore: no answer within 500 ms' });
      }
      const third = store.findByAccessTokenHash(A) as Promise<unknown>;
      expect(inner.calls).toEqual([A, A]);
      inner.settle();
      expect(await third).toEqual(record('tok-a'));
      expect(store.stats()).toEqual({ hits: 0, misses: 2, coalesced: 1, evictions: 0, size: 1 });
    });

    it('does not cache the answer of a call that timed out, when it finally comes', async () => {
      const inner = new GatedStore(new MemoryTokenStore([record('tok-a')]));
      const store = cachedStore(inner, { timeoutMs: 500, clock: () => NOW });
      const late = store.findByAccessTokenHash(A) as Promise<unknown>;
      jest.advanceTimersByTime(500);
      await expect(late).rejects.toBeInstanceOf(StoreTimeoutError);
      inner.settle();
      await Promise.resolve();
      expect(store.stats().size).toBe(0);
    });
  });

  it('does not remember unknown tokens unless negativeTtlMs is set', async () => {
    const inner = new AsyncStore();
    const store = cachedStore(inner, { clock: () => NOW });
    expect(await store.findByAccessTokenHash(A)).toBeUndefined();
    expect(await store.findByAccessTokenHash(A)).toBeUndefined();
    expect(inner.calls).toBe(2);
    expect(store.stats().size).toBe(0);
  });

  it('remembers an unknown token for negativeTtlMs, synchronously', async () => {
    const clock = clockAt(NOW);
    const inner = new AsyncStore();
    const store = cachedStore(inner, { negativeTtlMs: 1_000, clock });
    expect(await store.findByAccessTokenHash(A)).toBeUndefined();
    expect(store.findByAccessTokenHash(A)).toBeUndefined();
    clock.now = NOW + 999;
    expect(store.findByAccessTokenHash(A)).toBeUndefined();
    expect(inner.calls).toBe(1);
    clock.now = NOW + 1_000;
    await inner.records.save(record('tok-a'));
    expect(await store.findByAccessTokenHash(A)).toEqual(record('tok-a'));
    expect(inner.calls).toBe(2);
  });

  it.each([
    ['a malformed record', { ...record('tok-a'), scopes: 'read' }],
    ['a record of another hash', record('tok-b')],
    ['an expired record', record('tok-a', { accessTokenExpiresAt: NOW })],
    ['a record without an expiry', { accessTokenHash: A }],
  ])('passes %s on to the guard without caching it', async (_name, answer) => {
    let calls = 0;
    const store = cachedStore(
      {
        async findByAccessTokenHash() {
          calls++;
          return answer as AccessToken;
        },
      },
      { clock: () => NOW },
    );
    expect(await store.findByAccessTokenHash(A)).toBe(answer);
    expect(await store.findByAccessTokenHash(A)).toBe(answer);
    expect(calls).toBe(2);
    expect(store.stats().size).toBe(0);
  });

  it('drops the least recently used entry beyond maxEntries', async () => {
    const records = new MemoryTokenStore([record('tok-a'), record('tok-b'), record('tok-c')]);
    const store = cachedStore(new AsyncStore(records), { maxEntries: 2, clock: () => NOW });
    await store.findByAccessTokenHash(A);
    await store.findByAccessTokenHash(B);
    store.findByAccessTokenHash(A);
    await store.findByAccessTokenHash(hashToken('tok-c'));
    expect(store.findByAccessTokenHash(A)).toEqual(record('tok-a'));
    expect(store.findByAccessTokenHash(B)).toBeInstanceOf(Promise);
    expect(store.stats()).toMatchObject({ evictions: 1, size: 2 });
  });

  it('evict(hash) and evictAll() drop entries, counted as evictions', async () => {
    const store = cachedStore(new AsyncStore(new MemoryTokenStore([record('tok-a'), record('tok-b')])), { clock: () => NOW });
    await store.findByAccessTokenHash(A);
    await store.findByAccessTokenHash(B);
    store.evict(A);
    expect(store.findByAccessTokenHash(A)).toBeInstanceOf(Promise);
    expect(store.findByAccessTokenHash(B)).toEqual(record('tok-b'));
    store.evictAll();
    expect(store.stats()).toEqual({ hits: 1, misses: 3, coalesced: 0, evictions: 2, size: 0 });
  });

  it('does not cache a lookup that was in flight when its hash was evicted', async () => {
    const inner = new GatedStore(new MemoryTokenStore([record('tok-a')]));
    const store = cachedStore(inner, { clock: () => NOW });
    const before = store.findByAccessTokenHash(A);
    store.evict(A);
    const after = store.findByAccessTokenHash(A);
    expect(inner.calls).toEqual([A, A]);
    inner.settle();
    expect(await before).toEqual(record('tok-a'));
    expect(await after).toEqual(record('tok-a'));
    expect(store.stats().size).toBe(1);
    store.evictAll();
    const flight = store.findByAccessTokenHash(A);
    store.evictAll();
    inner.settle();
    await flight;
    expect(store.stats().size).toBe(0);
  });

  describe('writes', () => {
    it('has the write methods of a writable inner store, and none over a read-only one', () => {
      const writable = cachedStore(new MemoryTokenStore());
      for (const method of ['save', 'saveMany', 'deleteByAccessTokenHash', 'deleteBySubject', 'deleteByClientId', 'deleteExpired']) {
        expect([method, typeof (writable as unknown as Record<string, unknown>)[method]]).toEqual([method, 'function']);
      }
      const readOnly = cachedStore({ findByAccessTokenHash: () => undefined });
      expect(['save', 'saveMany', 'deleteByAccessTokenHash', 'deleteBySubject', 'deleteByClientId', 'list'].filter((m) => m in readOnly)).toEqual([]);
      expect(typeof writable.list).toBe('function');
    });

    it('an upsert through the cache replaces the cached record at once', async () => {
      const store = cachedStore(new MemoryTokenStore([record('tok-a', { scopes: ['read', 'write'] })]), { clock: () => NOW });
      expect((store.findByAccessTokenHash(A) as AccessToken).scopes).toEqual(['read', 'write']);
      await store.save(record('tok-a', { scopes: ['read'] }));
      expect((store.findByAccessTokenHash(A) as AccessToken).scopes).toEqual(['read']);
    });

    it('deletes through the cache evict the token, the subject or the client at once, and nothing else', async () => {
      const records = [
        record('tok-a', { subject: 'alice', clientId: 1 }),
        record('tok-b', { subject: 'alice', clientId: 2 }),
        record('tok-c', { subject: 'bob', clientId: 2 }),
        record('tok-d', { subject: 'carol', clientId: 3 }),
      ];
      const store = cachedStore(new MemoryTokenStore(records), { clock: () => NOW });
      const hashes = ['tok-a', 'tok-b', 'tok-c', 'tok-d'].map(hashToken);
      const cached = () => hashes.map((hash) => (store.findByAccessTokenHash(hash) as AccessToken | undefined)?.subject ?? null);
      expect(cached()).toEqual(['alice', 'alice', 'bob', 'carol']);
      expect(await store.deleteBySubject('alice')).toBe(2);
      expect(cached()).toEqual([null, null, 'bob', 'carol']);
      expect(await store.deleteByClientId(2)).toBe(1);
      expect(cached()).toEqual([null, null, null, 'carol']);
      expect(await store.deleteByAccessTokenHash(hashes[3] as string)).toBe(true);
      expect(cached()).toEqual([null, null, null, null]);
    });

    it('publishes what it wrote, and rejects a write whose invalidation could not be published', async () => {
      const bus = new LoopbackBus();
      bus.setConnected(true);
      const store = cachedStore(new MemoryTokenStore(), { invalidations: bus, clock: () => NOW });
      await store.save(record('tok-a', { subject: 'alice' }));
      await store.saveMany([record('tok-b'), record('tok-c')]);
      await store.deleteBySubject('alice');
      await store.deleteByClientId(9);
      await store.deleteByAccessTokenHash(B);
      await store.deleteExpired(NOW);
      expect(bus.published).toEqual([`h:${A}`, `h:${B}`, `h:${hashToken('tok-c')}`, 's:alice', 'c:9', `h:${B}`]);
      bus.publishError = new Error('bus down');
      await expect(store.save(record('tok-d'))).rejects.toThrow('bus down');
      expect(await store.findByAccessTokenHash(hashToken('tok-d'))).toEqual(record('tok-d'));
    });

    it('evicts what a failed write touched, and rejects with the write error', async () => {
      const inner = new MemoryTokenStore([record('tok-a')]);
      const store = cachedStore(inner, { clock: () => NOW });
      expect(store.findByAccessTokenHash(A)).toEqual(record('tok-a'));
      await expect(store.save({ ...record('tok-a'), scopes: 'x' as unknown as string[] })).rejects.toThrow(
        'MemoryTokenStore.save: record.scopes must be an array of strings',
      );
      expect(store.stats()).toMatchObject({ size: 0, evictions: 1 });
    });
  });

  describe('with an invalidation bus', () => {
    it('bypasses the cache until the bus connects, and flushes and bypasses it whenever the bus drops', async () => {
      const bus = new LoopbackBus();
      const inner = new AsyncStore(new MemoryTokenStore([record('tok-a')]));
      const store = cachedStore(inner, { invalidations: bus, clock: () => NOW });
      await store.findByAccessTokenHash(A);
      await store.findByAccessTokenHash(A);
      expect(store.stats()).toEqual({ hits: 0, misses: 2, coalesced: 0, evictions: 0, size: 0 });
      bus.setConnected(true);
      await store.findByAccessTokenHash(A);
      expect(store.findByAccessTokenHash(A)).toEqual(record('tok-a'));
      bus.setConnected(false);
      expect(store.stats()).toMatchObject({ size: 0, evictions: 1 });
      expect(store.findByAccessTokenHash(A)).toBeInstanceOf(Promise);
      expect(inner.calls).toBe(4);
    });

    it('does not cache a lookup that was in flight when the bus dropped, even once it is back', async () => {
      const bus = new LoopbackBus();
      bus.setConnected(true);
      const inner = new GatedStore(new MemoryTokenStore([record('tok-a')]));
      const store = cachedStore(inner, { invalidations: bus, clock: () => NOW });
      const flight = store.findByAccessTokenHash(A);
      bus.setConnected(false);
      bus.setConnected(true);
      inner.settle();
      expect(await flight).toEqual(record('tok-a'));
      expect(store.stats().size).toBe(0);
    });

    it('applies what other instances (or a database trigger) publish', async () => {
      const bus = new LoopbackBus();
      bus.setConnected(true);
      const records = [
        record('tok-a', { subject: 'alice', clientId: 1 }),
        record('tok-b', { subject: 'bob', clientId: 2 }),
        record('tok-c', { subject: 'carol', clientId: 3 }),
      ];
      const store = cachedStore(new AsyncStore(new MemoryTokenStore(records)), { invalidations: bus, clock: () => NOW });
      const hashes = ['tok-a', 'tok-b', 'tok-c'].map(hashToken);
      const warm = () => Promise.all(hashes.map((hash) => store.findByAccessTokenHash(hash)));
      const cached = () => hashes.map((hash) => !(store.findByAccessTokenHash(hash) instanceof Promise));
      await warm();
      bus.receive(`h:${A}`);
      expect(cached()).toEqual([false, true, true]);
      await warm();
      bus.receive('s:bob');
      expect(cached()).toEqual([true, false, true]);
      await warm();
      bus.receive('c:3');
      expect(cached()).toEqual([true, true, false]);
      await warm();
      bus.receive('*');
      expect(cached()).toEqual([false, false, false]);
      await warm();
      bus.receive('something from a newer version');
      expect(cached()).toEqual([false, false, false]);
    });

    it('close() stops listening and caching, and leaves the bus and the inner store alone', async () => {
      const bus = new LoopbackBus();
      bus.setConnected(true);
      const inner = new AsyncStore(new MemoryTokenStore([record('tok-a')]));
      const store = cachedStore(inner, { invalidations: bus, clock: () => NOW });
      await store.findByAccessTokenHash(A);
      store.close();
      expect(store.stats().size).toBe(0);
      await store.findByAccessTokenHash(A);
      await store.findByAccessTokenHash(A);
      expect(inner.calls).toBe(3);
      bus.setConnected(false);
      bus.setConnected(true);
      await store.findByAccessTokenHash(A);
      expect(store.stats().size).toBe(0);
      expect(bus.connected).toBe(true);
    });
  });

  describe('options', () => {
    const inner = new MemoryTokenStore();
    it.each([
      [{ ttl: 5 }, 'ERR_INVALID_ARG_VALUE', 'cachedStore: unknown option "ttl"; did you mean "ttlMs"?'],
      [{ maxEntrys: 5 }, 'ERR_INVALID_ARG_VALUE', 'cachedStore: unknown option "maxEntrys"; did you mean "maxEntries"?'],
      [{ maxEntries: 0 }, 'ERR_INVALID_ARG_VALUE', 'cachedStore: options.maxEntries must be a whole number from 1 to 2^32'],
      [{ maxEntries: '10' }, 'ERR_INVALID_ARG_TYPE', 'cachedStore: options.maxEntries must be a number'],
      [{ ttlMs: 0 }, 'ERR_INVALID_ARG_VALUE', 'cachedStore: options.ttlMs must be a number of ms from 1 to 2147483647, not 0'],
      [{ ttlMs: Infinity }, 'ERR_INVALID_ARG_VALUE', 'cachedStore: options.ttlMs must be a number of ms from 1 to 2147483647, not Infinity'],
      [{ negativeTtlMs: 5_001 }, 'ERR_INVALID_ARG_VALUE', 'cachedStore: options.negativeTtlMs must be a number of ms from 0 to 5000, not 5001'],
      [{ ttlMs: 1_000, negativeTtlMs: 2_000 }, 'ERR_INVALID_ARG_VALUE', 'cachedStore: options.negativeTtlMs must be a number of ms from 0 to 1000, not 2000'],
      [{ timeoutMs: -1 }, 'ERR_INVALID_ARG_VALUE', 'cachedStore: options.timeoutMs must be a number of ms from 1 to 2147483647, not -1'],
      [{ clock: 5 }, 'ERR_INVALID_ARG_TYPE', 'cachedStore: options.clock must be a function returning ms since the epoch'],
      [{ invalidations: {} }, 'ERR_INVALID_ARG_TYPE', 'cachedStore: options.invalidations must be an invalidation bus (redisInvalidations() or postgresInvalidations())'],
    ])('%j is refused with %s', (options, code, message) => {
      expect(() => cachedStore(inner, options as never)).toThrow(expect.objectContaining({ name: 'TypeError', code, message }));
    });

    it('refuses something that is not a store, and options that are not an object', () => {
      expect(() => cachedStore({} as TokenStore)).toThrow(
        'cachedStore: store must be a token store (an object with a findByAccessTokenHash(hash) or resolveAccessToken(token) method)',
      );
      expect(() => cachedStore(inner, null as never)).toThrow('cachedStore: options must be an object, e.g. cachedStore(store, { ttlMs: 30_000 })');
    });
  });
});

storeContract('cachedStore over MemoryTokenStore', () => cachedStore(new MemoryTokenStore(), { ttlMs: HOUR }), {
  describe,
  it,
  capabilities: { deleteExpired: true },
});
