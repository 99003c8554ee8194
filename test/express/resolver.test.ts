import request from 'supertest';
import {
  InsufficientScopeError,
  InvalidRequestError,
  InvalidTokenError,
  StoreUnavailableError,
  authErrorHandler,
  cachedStore,
  hashToken,
  requireScopes,
  tokenGuard,
  type AuthInfo,
  type ResolvedAccessToken,
  type TokenResolver,
} from '../../src/index.js';
import { flavours } from '../helpers/apps.js';
import { C, HOUR, NOW, T_OK, challenges } from '../helpers/fixtures.js';

// Stores that resolve the raw token themselves (Authlete, RFC 7662): the token reaches
// resolveAccessToken and nothing else; everything after the lookup is the guard's as for hash stores.

const resolved = (fields: Partial<ResolvedAccessToken> = {}): ResolvedAccessToken => ({
  accessTokenExpiresAt: NOW + HOUR,
  subject: 'alice',
  clientId: 1001,
  scopes: ['read'],
  ...fields,
});

describe.each(flavours)('a TokenResolver as the store, on $name', ({ express }) => {
  function appOn(store: TokenResolver, { realm, seen }: { realm?: string; seen?: AuthInfo[] } = {}) {
    const causes: unknown[] = [];
    const app = express();
    app.use(tokenGuard({ store, clock: () => NOW, ...(realm === undefined ? {} : { realm }) }));
    app.get('/r', requireScopes('read'), (req, res) => {
      seen?.push(req.auth as AuthInfo);
      res.json({ subject: req.auth?.subject ?? null, clientIdentifier: req.auth?.clientIdentifier ?? null });
    });
    app.get('/admin', requireScopes('admin'), (_req, res) => {
      res.end();
    });
    app.use((error: { cause?: unknown }, _req: unknown, _res: unknown, next: (error: unknown) => void) => {
      causes.push(error.cause);
      next(error);
    });
    app.use(authErrorHandler());
    return { app, causes };
  }

  it('gives the raw token only to resolveAccessToken, also when the store can look up by hash', async () => {
    const tokens: string[] = [];
    const hashes: string[] = [];
    const store = {
      resolveAccessToken(token: string) {
        tokens.push(token);
        return resolved();
      },
      findByAccessTokenHash(hash: string) {
        hashes.push(hash);
        return undefined;
      },
    };
    const { app } = appOn(store);
    const res = await request(app).get('/r').set('Authorization', `Bearer ${T_OK}`);
    expect([res.status, res.body]).toEqual([200, { subject: 'alice', clientIdentifier: null }]);
    expect([tokens, hashes]).toEqual([[T_OK], []]);
  });

  it('accepts a record without accessTokenHash, or with another one, and still checks expiry and scopes', async () => {
    let answer: ResolvedAccessToken | undefined = resolved({ accessTokenHash: hashToken('something else') });
    const { app } = appOn({ resolveAccessToken: async () => answer });
    const ask = (path: string) => request(app).get(path).set('Authorization', `Bearer ${T_OK}`);
    expect((await ask('/r')).status).toBe(200);
    answer = resolved();
    expect((await ask('/r')).status).toBe(200);
    expect([(await ask('/admin')).status, (await ask('/admin')).headers['www-authenticate']]).toEqual([403, C.scope('admin')]);
    answer = resolved({ accessTokenExpiresAt: NOW });
    expect([(await ask('/r')).status, (await ask('/r')).headers['www-authenticate']]).toEqual([401, C.invalidToken]);
    answer = undefined;
    expect([(await ask('/r')).status, (await ask('/r')).headers['www-authenticate']]).toEqual([401, C.invalidToken]);
    answer = { ...resolved(), scopes: 'read' as unknown as string[] };
    expect((await ask('/r')).status).toBe(401);
  });

  it('puts the deep-frozen claims and the clientIdentifier on req.auth; hash stores set neither', async () => {
    const claims = { active: true, sub: 'alice', ext: { tenant: 'acme', roles: ['a'] }, properties: [{ key: 'plan', value: 'gold', hidden: true }] };
    const seen: AuthInfo[] = [];
    const { app } = appOn({ resolveAccessToken: () => resolved({ claims, clientIdentifier: 's6BhdRkqt3' }) }, { seen });
    const res = await request(app).get('/r').set('Authorization', `Bearer ${T_OK}`);
    expect(res.body).toEqual({ subject: 'alice', clientIdentifier: 's6BhdRkqt3' });
    const [auth] = seen as [AuthInfo];
    expect(auth.claims).toEqual(claims);
    expect([Object.isFrozen(auth.claims), Object.isFrozen(claims.ext.roles), Object.isFrozen(claims.properties[0])]).toEqual([true, true, true]);
    const { app: hashApp } = appOn({ resolveAccessToken: () => resolved() }, { seen });
    await request(hashApp).get('/r').set('Authorization', `Bearer ${T_OK}`);
    expect(['claims' in (seen[1] as AuthInfo), 'clientIdentifier' in (seen[1] as AuthInfo)]).toEqual([false, false]);
  });

  it.each([
    ['malformed claims', { claims: 'yes' }, 'claims'],
    ['a numeric clientIdentifier', { clientIdentifier: 42 }, 'clientIdentifier'],
  ])('refuses a record with %s as malformed (401)', async (_name, fields, field) => {
    const errors: unknown[] = [];
    const app = express();
    app.use(tokenGuard({ store: { resolveAccessToken: () => resolved(fields as unknown as Partial<ResolvedAccessToken>) }, clock: () => NOW }));
    app.get('/r', (_req, res) => {
      res.end();
    });
    app.use((error: unknown, _req: unknown, res: { status(n: number): { end(): void } }, _next: unknown) => {
      errors.push(error);
      res.status(401).end();
    });
    await request(app).get('/r').set('Authorization', `Bearer ${T_OK}`);
    expect(errors).toEqual([expect.objectContaining({ reason: 'malformed_record', field })]);
  });

  it('passes a store\'s own refusals on with the challenge of the guard that saw the request', async () => {
    // One error object for every request, as a cache in front of the store would rethrow it.
    const refusals = {
      invalid: new InvalidTokenError('wrong_audience'),
      request: new InvalidRequestError('rejected_upstream'),
      scope: new InsufficientScopeError([], 'upstream'),
    };
    let refusal: Error = refusals.invalid;
    const store = {
      resolveAccessToken: async () => {
        throw refusal;
      },
    };
    const shop = appOn(store, { realm: 'shop' }).app;
    const api = appOn(store).app;
    const ask = async (app: typeof shop) => {
      const res = await request(app).get('/r').set('Authorization', `Bearer ${T_OK}`);
      return [res.status, res.headers['www-authenticate'], res.body.error];
    };
    expect(await ask(shop)).toEqual([401, challenges('shop').invalidToken, 'invalid_token']);
    expect(await ask(api)).toEqual([401, C.invalidToken, 'invalid_token']);
    refusal = refusals.request;
    expect(await ask(api)).toEqual([
      400,
      'Bearer realm="api", error="invalid_request", error_description="The authorization server found the request invalid"',
      'invalid_request',
    ]);
    refusal = refusals.scope;
    expect(await ask(shop)).toEqual([
      403,
      'Bearer realm="shop", error="insufficient_scope", error_description="The access token does not carry the scope this request requires"',
      'insufficient_scope',
    ]);
    expect(Object.values(refusals).map((error) => error.headers)).toEqual([{}, {}, {}]);
  });

  it.each([
    ['throws an Error', () => { throw new Error('boom'); }],
    ['rejects', () => Promise.reject(new Error('boom'))],
    ['throws a StoreUnavailableError of its own', () => { throw new StoreUnavailableError('store_failed'); }],
    ['throws a string', () => { throw 'boom'; }],
  ])('answers 503 when the resolver %s, with what it threw as cause', async (_name, resolveAccessToken) => {
    const { app, causes } = appOn({ resolveAccessToken } as TokenResolver);
    const res = await request(app).get('/r').set('Authorization', `Bearer ${T_OK}`);
    expect([res.status, res.headers['www-authenticate'], res.body.error]).toEqual([503, C.C0, 'temporarily_unavailable']);
    expect(causes).toHaveLength(1);
  });
});

describe('cachedStore over a TokenResolver', () => {
  it('I-05: keys entries by hashToken(token), never by the token; 1,000 requests make one call; evict(hash) drops it', async () => {
    const calls: string[] = [];
    const claims = { active: true, nested: { a: [1] } };
    const store = cachedStore(
      {
        async resolveAccessToken(token: string) {
          calls.push(token);
          return resolved({ claims, clientIdentifier: 'c' });
        },
      },
      { clock: () => NOW },
    );
    expect(typeof (store as { findByAccessTokenHash?: unknown }).findByAccessTokenHash).toBe('undefined');
    const answers = await Promise.all(Array.from({ length: 1000 }, () => store.resolveAccessToken(T_OK)));
    expect(calls).toEqual([T_OK]);
    expect(answers[0]).toEqual(resolved({ claims, clientIdentifier: 'c' }));
    expect(answers.every((answer) => answer === answers[0])).toBe(true);
    expect(store.stats()).toMatchObject({ misses: 1, coalesced: 999, hits: 0, size: 1 });
    const again = store.resolveAccessToken(T_OK);
    expect(again).not.toBeInstanceOf(Promise);
    store.evict(T_OK);
    expect(store.stats().size).toBe(1);
    store.evict(hashToken(T_OK));
    expect(store.stats().size).toBe(0);
  });

  it('serves the guard: one call for many requests, claims frozen, refusals and failures not cached', async () => {
    let calls = 0;
    let answer: () => Promise<ResolvedAccessToken | undefined> = async () => resolved({ claims: { active: true } });
    const store = cachedStore({ resolveAccessToken: () => (calls++, answer()) }, { clock: () => NOW });
    const app = require('express')() as import('express').Express;
    app.use(tokenGuard({ store, clock: () => NOW }));
    app.get('/r', requireScopes('read'), (req, res) => {
      res.json({ frozen: Object.isFrozen(req.auth?.claims) });
    });
    app.use(authErrorHandler());
    for (let i = 0; i < 20; i++) {
      const res = await request(app).get('/r').set('Authorization', `Bearer ${T_OK}`);
      expect([res.status, res.body]).toEqual([200, { frozen: true }]);
    }
    expect(calls).toBe(1);
    const other = 'another-token';
    answer = async () => {
      throw new InvalidTokenError('wrong_audience');
    };
    for (let i = 0; i < 2; i++) expect((await request(app).get('/r').set('Authorization', `Bearer ${other}`)).status).toBe(401);
    answer = async () => {
      throw new Error('down');
    };
    expect((await request(app).get('/r').set('Authorization', `Bearer ${other}x`)).status).toBe(503);
    expect(calls).toBe(4);
  });
});
