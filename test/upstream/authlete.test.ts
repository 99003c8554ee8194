import express = require('express');
import request from 'supertest';
import {
  UpstreamError,
  authErrorHandler,
  cachedStore,
  hashToken,
  requireScopes,
  tokenGuard,
  type AccessToken,
  type AuthInfo,
  type TokenResolver,
} from '../../src/index.js';
import { startFakeAuthlete, type FakeAuthlete, type FakeAuthleteCall, type FakeAuthleteReply } from '../../src/testing/index.js';
import { authleteStore, type AuthleteStoreOptions } from '../../src/upstream/authlete.js';
import { C, HOUR } from '../helpers/fixtures.js';

// authleteStore against the fake Authlete (express-token-guard/testing), which answers as Authlete's
// API v3 documents: each action, a 401 for a bad service token, and whatever `intercept` makes it say.

const TOKEN = 'authlete-token_0123456789abcdefghij';
const CC = 'client-credentials-token_0123456789';
const EXPIRED = 'expired-token_0123456789';
const now = Date.now();
const alice: AccessToken = {
  accessTokenExpiresAt: now + HOUR,
  subject: 'alice',
  clientId: 5899463614448063,
  scopes: ['read', 'openid'],
  grantType: 'AUTHORIZATION_CODE',
  properties: [
    { key: 'tenant', value: 'acme', hidden: false },
    { key: 'plan', value: 'gold', hidden: true },
  ],
};

let fake: FakeAuthlete;
let reply: ((call: FakeAuthleteCall) => FakeAuthleteReply | undefined) | undefined;
const errors: Error[] = [];

beforeAll(async () => {
  fake = await startFakeAuthlete({
    tokens: {
      [TOKEN]: alice,
      [CC]: { accessTokenExpiresAt: now + HOUR, clientId: 42, scopes: ['read'], grantType: 'CLIENT_CREDENTIALS' },
      [EXPIRED]: { ...alice, accessTokenExpiresAt: now - 1 },
    },
    intercept: (call) => reply?.(call),
  });
});
afterAll(() => fake.close());
beforeEach(() => {
  reply = undefined;
  errors.length = 0;
  fake.calls.length = 0;
});

const options = (more: Partial<AuthleteStoreOptions> = {}): AuthleteStoreOptions => ({
  baseUrl: fake.baseUrl,
  serviceId: fake.serviceId,
  accessToken: fake.accessToken,
  onError: (error) => errors.push(error),
  ...more,
});

function appOn(store: TokenResolver, seen: AuthInfo[] = []) {
  const app = express();
  app.use(tokenGuard({ store }));
  app.get('/r', requireScopes('read'), (req, res) => {
    seen.push(req.auth as AuthInfo);
    res.json({ subject: req.auth?.subject ?? null });
  });
  app.use(authErrorHandler());
  return app;
}

const get = (app: express.Express, token = TOKEN) => request(app).get('/r').set('Authorization', `Bearer ${token}`);
const answer = (status: number, body: unknown, more: object = {}) => () => ({ status, body: typeof body === 'string' ? body : JSON.stringify(body), ...more });

describe('authleteStore', () => {
  it('asks POST /api/{serviceId}/auth/introspection with the service token and { token }, nothing else', async () => {
    const store = authleteStore(options());
    await store.resolveAccessToken(TOKEN);
    expect(fake.calls).toEqual([{ method: 'POST', path: `/api/${fake.serviceId}/auth/introspection`, body: { token: TOKEN } }]);
  });

  it('maps an OK answer: expiresAt, clientId, subject, scopes, grantType, properties with hidden; the answer is req.auth.claims', async () => {
    const seen: AuthInfo[] = [];
    const res = await get(appOn(authleteStore(options()), seen));
    expect([res.status, res.body]).toEqual([200, { subject: 'alice' }]);
    const [auth] = seen as [AuthInfo];
    expect({ ...auth, accessToken: undefined, claims: undefined }).toEqual({
      subject: 'alice',
      clientId: 5899463614448063,
      scopes: ['read', 'openid'],
      properties: { tenant: 'acme', plan: 'gold' },
      grantType: 'AUTHORIZATION_CODE',
      expiresAt: alice.accessTokenExpiresAt,
      accessToken: undefined,
      claims: undefined,
    });
    expect(auth.accessToken.properties).toEqual(alice.properties);
    expect(auth.claims).toMatchObject({ action: 'OK', resultCode: 'A056001', usable: true, subject: 'alice', expiresAt: alice.accessTokenExpiresAt });
    expect(Object.isFrozen(auth.claims?.['properties'])).toBe(true);
  });

  it('maps acr, authTime (seconds) and certificateThumbprint (cnf x5t#S256); a bound token is refused by a guard that checks no binding', async () => {
    const okAnswer = { action: 'OK', resultCode: 'A056001', subject: 'alice', scopes: ['read'], expiresAt: now + HOUR, acr: 'urn:mfa', authTime: 1767225600 };
    reply = answer(200, { ...okAnswer, certificateThumbprint: 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2' });
    const store = authleteStore(options());
    expect(await store.resolveAccessToken(TOKEN)).toMatchObject({ acr: 'urn:mfa', authTime: 1767225600000, cnf: { 'x5t#S256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2' } });
    const bound = await get(appOn(store));
    expect([bound.status, bound.headers['www-authenticate']]).toEqual([401, C.invalidToken]);
    reply = answer(200, { ...okAnswer, certificateThumbprint: null, authTime: 0 });
    const seen: AuthInfo[] = [];
    expect((await get(appOn(store, seen))).status).toBe(200);
    expect([seen[0]?.acr, 'authTime' in (seen[0] as AuthInfo), 'cnf' in (seen[0] as AuthInfo)]).toEqual(['urn:mfa', false, false]);
  });

  it('leaves null fields absent (a client-credentials token has no subject and no properties)', async () => {
    const seen: AuthInfo[] = [];
    expect((await get(appOn(authleteStore(options()), seen), CC)).status).toBe(200);
    const { accessToken } = seen[0] as AuthInfo;
    expect({ ...accessToken, claims: undefined }).toEqual({
      accessTokenExpiresAt: now + HOUR,
      clientId: 42,
      scopes: ['read'],
      grantType: 'CLIENT_CREDENTIALS',
      claims: undefined,
    });
  });

  it('UNAUTHORIZED (unknown or expired) is the ordinary 401 invalid_token, and not a store failure', async () => {
    const app = appOn(authleteStore(options()));
    for (const token of ['no-such-token', EXPIRED]) {
      const res = await get(app, token);
      expect([res.status, res.headers['www-authenticate'], res.body.error]).toEqual([401, C.invalidToken, 'invalid_token']);
    }
    expect(errors).toEqual([]);
  });

  it('BAD_REQUEST is 400 invalid_request and FORBIDDEN is 403 insufficient_scope (no scope parameter): honoured, not a 503', async () => {
    const app = appOn(authleteStore(options()));
    reply = answer(200, { action: 'BAD_REQUEST', resultCode: 'A056001', resultMessage: 'bad' });
    const bad = await get(app);
    expect([bad.status, bad.headers['www-authenticate'], bad.body]).toEqual([
      400,
      'Bearer realm="api", error="invalid_request", error_description="The authorization server found the request invalid"',
      { error: 'invalid_request', error_description: 'The authorization server found the request invalid' },
    ]);
    reply = answer(200, { action: 'FORBIDDEN', resultCode: 'A056302', resultMessage: 'forbidden' });
    const forbidden = await get(app);
    expect([forbidden.status, forbidden.headers['www-authenticate']]).toEqual([
      403,
      'Bearer realm="api", error="insufficient_scope", error_description="The access token does not carry the scope this request requires"',
    ]);
    expect(errors).toEqual([]);
  });

  it.each([
    ['INTERNAL_SERVER_ERROR', answer(200, { action: 'INTERNAL_SERVER_ERROR', resultCode: 'A001101', resultMessage: '[A001101] Internal error.' }), { status: 200, resultCode: 'A001101', resultMessage: '[A001101] Internal error.' }],
    ['a bad service access token (401 with resultCode)', undefined, { status: 401, resultCode: 'A001202', resultMessage: '[A001202] Authorization failed. The access token of the service is invalid.' }],
    ['HTTP 500', answer(500, { resultCode: 'A001101', resultMessage: 'boom' }), { status: 500, resultCode: 'A001101', resultMessage: 'boom' }],
    ['HTTP 200 that is not JSON', answer(200, '<html>maintenance</html>'), { status: 200 }],
    ['JSON without action', answer(200, { resultCode: 'A056001' }), { status: 200, resultCode: 'A056001' }],
    ['an unknown action', answer(200, { action: 'MAYBE' }), { status: 200 }],
    ['a truncated body', answer(200, { action: 'OK', subject: 'alice' }, { truncated: true }), {}],
  ])('%s is a 503, and onError gets an UpstreamError with what Authlete said', async (_name, intercept, expected) => {
    reply = intercept;
    const store = authleteStore(options(intercept === undefined ? { accessToken: 'wrong-service-token' } : {}));
    const res = await get(appOn(store));
    expect([res.status, res.headers['www-authenticate'], res.body.error]).toEqual([503, C.C0, 'temporarily_unavailable']);
    expect(errors).toHaveLength(1);
    const [error] = errors as [UpstreamError];
    expect(error).toBeInstanceOf(UpstreamError);
    expect({ status: error.status, resultCode: error.resultCode, resultMessage: error.resultMessage }).toEqual({
      status: undefined,
      resultCode: undefined,
      resultMessage: undefined,
      ...expected,
    });
    expect(JSON.stringify(res.body) + error.message).not.toContain(TOKEN);
  });

  it('a reply that never comes is a 503 within timeoutMs; an answer after the client gave up changes nothing', async () => {
    const store = authleteStore(options({ timeoutMs: 100 }));
    const app = appOn(store);
    reply = () => ({ hang: true });
    const hung = await get(app);
    expect([hung.status, errors.map((error) => [error.message, 'status' in error])]).toEqual([
      503,
      [['Authlete introspection: no answer within 100 ms', false]],
    ]);
    reply = answer(200, { action: 'OK', subject: 'late', expiresAt: now + HOUR, scopes: ['read'] }, { delayMs: 300 });
    expect((await get(app)).status).toBe(503);
    reply = undefined;
    const late = fake.calls.length;
    const res = await get(app);
    expect([res.status, res.body, fake.calls.length]).toEqual([200, { subject: 'alice' }, late + 1]);
  });

  it('a network error is a 503 with the failure as cause and no status', async () => {
    const closed = await startFakeAuthlete({ tokens: {} });
    await closed.close();
    const res = await get(appOn(authleteStore(options({ baseUrl: closed.baseUrl }))));
    expect(res.status).toBe(503);
    const [error] = errors as [UpstreamError];
    expect([error.message, 'status' in error, (error.cause as Error).message]).toEqual(['Authlete introspection: the request failed (ECONNREFUSED)', false, 'fetch failed']);
  });

  it('with cachedStore, 1,000 requests with one token make exactly one introspection call', async () => {
    const store = cachedStore(authleteStore(options()));
    const app = appOn(store);
    const answers = await Promise.all(Array.from({ length: 990 }, () => store.resolveAccessToken(TOKEN)));
    expect(answers.every((found) => found === answers[0] && found?.subject === 'alice')).toBe(true);
    for (let i = 0; i < 10; i++) expect((await get(app)).status).toBe(200);
    expect(fake.calls).toHaveLength(1);
    expect(store.stats()).toMatchObject({ misses: 1, coalesced: 989, hits: 10 });
    // The cache keeps the record under the token's hash, and nothing it holds or hands out has the token.
    expect(JSON.stringify(answers[0])).not.toContain(TOKEN);
    store.evict(TOKEN);
    expect(store.stats().size).toBe(1);
    store.evict(hashToken(TOKEN));
    expect(store.stats().size).toBe(0);
  });

  it('never lets the token reach a warning, stderr, an error message or a cause', async () => {
    const written: string[] = [];
    const spies = [
      jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (written.push(String(chunk)), true)),
      jest.spyOn(process, 'emitWarning').mockImplementation((warning: string | Error) => void written.push(String(warning), (warning as Error).stack ?? '')),
    ];
    try {
      const causes: unknown[] = [];
      const app = express();
      app.use(tokenGuard({ store: authleteStore({ baseUrl: fake.baseUrl, serviceId: fake.serviceId, accessToken: 'wrong', timeoutMs: 100 }) }));
      app.get('/r', (_req, res) => {
        res.end();
      });
      app.use((error: Error & { cause?: Error }, _req: unknown, res: express.Response, _next: unknown) => {
        causes.push(error, error.cause);
        res.status(503).end();
      });
      for (const intercept of [undefined, answer(500, 'x'), () => ({ hang: true as const }), answer(200, '{"action":')]) {
        reply = intercept;
        expect((await get(app)).status).toBe(503);
      }
      expect(causes.filter((cause) => cause instanceof UpstreamError)).toHaveLength(4);
      for (const cause of causes) written.push(String(cause), (cause as Error).stack ?? '', JSON.stringify(cause));
      expect(written.length).toBeGreaterThan(8);
      expect(written.filter((text) => text.includes(TOKEN))).toEqual([]);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });

  it.each([
    [{}, 'authleteStore: options.baseUrl must be a URL string'],
    [{ baseUrl: 'http://us.authlete.com' }, 'authleteStore: options.baseUrl must be an https URL (http only on localhost, 127.0.0.1 or [::1]), not "http://us.authlete.com"'],
    [{ baseUrl: 'https://us.authlete.com' }, "authleteStore: options.serviceId must be the service's id (digits, letters, - or _)"],
    [{ baseUrl: 'https://us.authlete.com', serviceId: '123/../x' }, "authleteStore: options.serviceId must be the service's id (digits, letters, - or _)"],
    [{ baseUrl: 'https://us.authlete.com', serviceId: 123 }, 'authleteStore: options.accessToken must be a non-empty string'],
    [{ baseUrl: 'https://us.authlete.com', serviceId: 123, accessToken: 'secret\r\nX-Evil: 1' }, 'authleteStore: options.accessToken must be one line of visible ASCII characters and spaces, without leading or trailing space'],
    [{ baseUrl: 'https://us.authlete.com', serviceId: 123, accessToken: 't', timeout: 5 }, 'authleteStore: unknown option "timeout" (it takes baseUrl, serviceId, accessToken, fetch, timeoutMs, onError)'],
    [{ baseUrl: 'https://us.authlete.com', serviceId: 123, accessToken: 't', fetch: 'fetch' }, 'authleteStore: options.fetch must be a function (a fetch implementation)'],
    [{ baseUrl: 'https://us.authlete.com', serviceId: 123, accessToken: 't', timeoutMs: 0 }, 'authleteStore: options.timeoutMs must be a positive number of ms (at most 2^31-1)'],
  ])('checks its options: %j', (given, message) => {
    expect(() => authleteStore(given as unknown as AuthleteStoreOptions)).toThrow(message);
  });
});
