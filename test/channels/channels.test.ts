import express = require('express');
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import request from 'supertest';
import {
  CHANNELS,
  MemoryTokenStore,
  authErrorHandler,
  cachedStore,
  hashToken,
  requireScopes,
  tokenGuard,
  type CacheMessage,
  type RequestMessage,
  type StoreMessage,
  type TokenStore,
} from '../../src/index.js';
import { C, NOW, T_OK, record } from '../helpers/fixtures.js';

// Observability through node:diagnostics_channel: what each channel says, and when.

function listen<T>(name: string): { messages: T[]; stop(): void } {
  const messages: T[] = [];
  const listener = (message: unknown) => void messages.push(message as T);
  subscribe(name, listener);
  return { messages, stop: () => unsubscribe(name, listener) };
}

const store = new MemoryTokenStore([record(T_OK, { subject: 'alice', clientId: 1001, scopes: ['read'] })]);

function app(guardStore: TokenStore, options: { includeHash?: boolean } = {}) {
  const a = express();
  a.use(tokenGuard({ store: guardStore, clock: () => NOW, sendErrors: true, ...options }));
  a.get('/r', requireScopes('read'), (_req, res) => res.json({ ok: true }));
  a.get('/admin', requireScopes('admin'), (_req, res) => res.json({ ok: true }));
  a.use(authErrorHandler());
  return a;
}

describe('express-token-guard:request', () => {
  it('publishes every decision of the guard and of a route guard, never a token', async () => {
    const channel = listen<RequestMessage>(CHANNELS.request);
    try {
      const a = app(store);
      await request(a).get('/r').set('Authorization', `Bearer ${T_OK}`);
      await request(a).get('/r');
      await request(a).get('/r').set('Authorization', 'Bearer unknown-token');
      await request(a).get('/r').set('Authorization', 'Bearer a b');
      await request(a).get('/admin').set('Authorization', `Bearer ${T_OK}`);
      expect(channel.messages).toEqual([
        { outcome: 'accepted', status: 200, reason: 'accepted', subject: 'alice', clientId: 1001 },
        { outcome: 'refused', status: 401, reason: 'missing', code: 'ERR_CREDENTIALS_REQUIRED' },
        { outcome: 'refused', status: 401, reason: 'unknown', code: 'ERR_INVALID_TOKEN' },
        { outcome: 'refused', status: 400, reason: 'malformed_authorization', code: 'ERR_INVALID_REQUEST' },
        { outcome: 'accepted', status: 200, reason: 'accepted', subject: 'alice', clientId: 1001 },
        { outcome: 'refused', status: 403, reason: 'all_of', code: 'ERR_INSUFFICIENT_SCOPE' },
      ]);
      expect(JSON.stringify(channel.messages)).not.toContain(T_OK);
    } finally {
      channel.stop();
    }
  });

  it('a request without credentials let through by credentialsRequired: false is accepted with no_credentials', async () => {
    const channel = listen<RequestMessage>(CHANNELS.request);
    try {
      const a = express();
      a.use(tokenGuard({ store, credentialsRequired: false }));
      a.get('/', (_req, res) => res.end());
      await request(a).get('/');
      expect(channel.messages).toEqual([{ outcome: 'accepted', status: 200, reason: 'no_credentials' }]);
    } finally {
      channel.stop();
    }
  });
});

describe('express-token-guard:store', () => {
  it('publishes each lookup with the store, its duration and outcome; the hash only with includeHash', async () => {
    const channel = listen<StoreMessage>(CHANNELS.store);
    const failing: TokenStore = {
      findByAccessTokenHash: () => Promise.reject(new Error('down')),
    };
    try {
      await request(app(store)).get('/r').set('Authorization', `Bearer ${T_OK}`);
      await request(app(store, { includeHash: true })).get('/r').set('Authorization', 'Bearer unknown-token');
      await request(app(failing)).get('/r').set('Authorization', `Bearer ${T_OK}`);
      await request(app(store)).get('/r');
      expect(channel.messages).toEqual([
        { store: 'MemoryTokenStore', durationMs: expect.any(Number), outcome: 'found' },
        { store: 'MemoryTokenStore', durationMs: expect.any(Number), outcome: 'not_found', hash: hashToken('unknown-token') },
        { store: 'store', durationMs: expect.any(Number), outcome: 'error' },
      ]);
      expect(channel.messages.every((m) => m.durationMs >= 0 && m.durationMs < 10_000)).toBe(true);
    } finally {
      channel.stop();
    }
  });
});

describe('express-token-guard:cache', () => {
  it('publishes miss, hit, coalesced, evicted and flushed; the inner lookups on the store channel, none for hits', async () => {
    const cacheEvents = listen<CacheMessage>(CHANNELS.cache);
    const lookups = listen<StoreMessage>(CHANNELS.store);
    try {
      let release: () => void = () => undefined;
      const slow: TokenStore = {
        findByAccessTokenHash: (hash) =>
          new Promise((resolve) => {
            release = () => resolve(store.findByAccessTokenHash(hash));
          }),
      };
      const cache = cachedStore(slow, { clock: () => NOW });
      const a = app(cache);
      const first = request(a).get('/r').set('Authorization', `Bearer ${T_OK}`).then((r) => r.status);
      const second = request(a).get('/r').set('Authorization', `Bearer ${T_OK}`).then((r) => r.status);
      while (cacheEvents.messages.length < 2) await new Promise((resolve) => setImmediate(resolve));
      release();
      expect(await Promise.all([first, second])).toEqual([200, 200]);
      expect((await request(a).get('/r').set('Authorization', `Bearer ${T_OK}`)).status).toBe(200);
      cache.evict(hashToken(T_OK));
      cache.evictAll();
      expect(cacheEvents.messages.map((m) => m.event)).toEqual(['miss', 'coalesced', 'hit', 'evicted', 'flushed']);
      expect(lookups.messages).toEqual([{ store: 'store', durationMs: expect.any(Number), outcome: 'found' }]);
    } finally {
      cacheEvents.stop();
      lookups.stop();
    }
  });
});

it('the guard answers as before with a subscriber on every channel', async () => {
  const all = [CHANNELS.request, CHANNELS.store, CHANNELS.cache].map((name) => listen<unknown>(name));
  try {
    const res = await request(app(store)).get('/r').set('Authorization', 'Bearer unknown-token');
    expect([res.status, res.headers['www-authenticate']]).toEqual([401, C.invalidToken]);
  } finally {
    all.forEach((channel) => channel.stop());
  }
});
