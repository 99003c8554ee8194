import type { ErrorRequestHandler } from 'express';
import { inspect } from 'node:util';
import request from 'supertest';
import {
  UpstreamError,
  authErrorHandler,
  cachedStore,
  hashToken,
  requireScopes,
  tokenGuard,
  type AuthInfo,
  type TokenResolver,
} from '../../src/index.js';
import { introspectionStore, type IntrospectionStoreOptions } from '../../src/upstream/introspection.js';
import { flavours, type ExpressFactory } from '../helpers/apps.js';
import { json, startFakeIntrospection, type FakeIntrospection, type IntrospectionCall, type IntrospectionReply } from '../helpers/fake-introspection.js';
import { C, HOUR, NOW, T_OK } from '../helpers/fixtures.js';
import { freePort } from '../helpers/free-port.js';

// introspectionStore against a fake RFC 7662 endpoint on 127.0.0.1 that checks the client's Basic
// credentials and the form body, and answers what a test makes it answer. Every time is relative to
// the injected clock; nothing sleeps (the timeouts wait on the store's own timer).

const CLIENT_ID = 'my client';
const CLIENT_SECRET = 'p@ss:w/rd&=';
/** base64('my+client:p%40ss%3Aw%2Frd%26%3D'): RFC 6749 §2.3.1, form-urlencoded before base64. */
const BASIC = 'Basic bXkrY2xpZW50OnAlNDBzcyUzQXclMkZyZCUyNiUzRA==';
const BEARER = 'Bearer xyz';
const AUDIENCE = 'https://api.example.com';
const ISSUER = 'https://as.example.com';
/** NOW in seconds, as NumericDate. */
const SEC = NOW / 1000;
const INVALID_TOKEN_BODY = { error: 'invalid_token', error_description: 'The access token is invalid or has expired' };
const UNAVAILABLE_BODY = { error: 'temporarily_unavailable', error_description: 'The token store is unavailable' };

/** The members of an active answer besides `active`. */
const claimsFor = (fields: Record<string, unknown> = {}): Record<string, unknown> => ({
  scope: 'read',
  sub: 'alice',
  client_id: 's6BhdRkqt3',
  exp: SEC + HOUR / 1000,
  iat: SEC - 60,
  ...fields,
});

let fake: FakeIntrospection;
const errors: Error[] = [];

beforeAll(async () => {
  fake = await startFakeIntrospection({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, bearer: BEARER });
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.calls.length = 0;
  fake.intercept = undefined;
  fake.tokens.clear();
  fake.tokens.set(T_OK, claimsFor());
  errors.length = 0;
});

const options = (more: Partial<IntrospectionStoreOptions> = {}): IntrospectionStoreOptions => ({
  endpoint: fake.endpoint,
  clientId: CLIENT_ID,
  clientSecret: CLIENT_SECRET,
  clock: () => NOW,
  onError: (error) => errors.push(error),
  ...more,
});

const replyOnce = (reply: IntrospectionReply) => {
  fake.intercept = () => {
    fake.intercept = undefined;
    return reply;
  };
};

interface AppSpies {
  clock?: () => number;
  seen?: AuthInfo[];
  /** Every error the guard passed to `next`. */
  causes?: Array<Error & { cause?: unknown }>;
}

/** `GET /r` needs `read` and answers the subject; authErrorHandler() last. */
function appOn(express: ExpressFactory, store: TokenResolver, { clock = () => NOW, seen = [], causes = [] }: AppSpies = {}) {
  const app = express();
  app.use(tokenGuard({ store, clock }));
  app.get('/r', requireScopes('read'), (req, res) => {
    seen.push(req.auth as AuthInfo);
    res.json({ subject: req.auth?.subject ?? null });
  });
  const record: ErrorRequestHandler = (error, _req, _res, next) => {
    causes.push(error as Error);
    next(error);
  };
  app.use(record);
  app.use(authErrorHandler());
  return app;
}

const get = (app: ReturnType<typeof appOn>, token = T_OK) => request(app).get('/r').set('Authorization', `Bearer ${token}`);
const outcome = (res: request.Response) => [res.status, res.headers['www-authenticate'], res.body];

describe.each(flavours)('introspectionStore behind tokenGuard, on $name', ({ express }) => {
  it('answers 200 for an active token with the scope, after one POST to the endpoint', async () => {
    const res = await get(appOn(express, introspectionStore(options())));
    expect([res.status, res.body, fake.calls.length, errors]).toEqual([200, { subject: 'alice' }, 1, []]);
  });

  it.each([
    ['active: "true" (a string)', { active: 'true' }],
    ['active: 1', { active: 1 }],
    ['active: null', { active: null }],
    ['{} (no active at all)', undefined],
  ])('I-01: %s is not active: 401 invalid_token, not a store failure', async (_name, override) => {
    if (override === undefined) replyOnce(json(200, {}));
    else fake.tokens.set(T_OK, claimsFor(override));
    const res = await get(appOn(express, introspectionStore(options())));
    expect(outcome(res)).toEqual([401, C.invalidToken, INVALID_TOKEN_BODY]);
    expect([fake.calls.length, errors]).toEqual([1, []]);
  });

  it('I-02: active:false (even with details) and an unknown token get byte-identical 401 responses', async () => {
    const revoked = 'tok-REVOKED_0123456789';
    fake.tokens.set(revoked, claimsFor({ active: false, revoked: true }));
    const app = appOn(express, introspectionStore(options()));
    const ask = async (token: string) => {
      const res = await get(app, token);
      const { date: _date, ...headers } = res.headers as Record<string, string>;
      return { status: res.status, headers, text: res.text };
    };
    const inactive = await ask(revoked);
    const unknown = await ask('tok-NO-RECORD_0123456789');
    expect(inactive).toEqual(unknown);
    expect([inactive.status, inactive.headers['www-authenticate'], JSON.parse(inactive.text)]).toEqual([401, C.invalidToken, INVALID_TOKEN_BODY]);
    expect(inactive.text).not.toMatch(/revoked|active/i);
    expect(fake.calls.map((call) => new URLSearchParams(call.body).get('token'))).toEqual([revoked, 'tok-NO-RECORD_0123456789']);
    expect(errors).toEqual([]);
  });

  it('I-03: maps scope, sub, client_id, exp and iat; req.auth.claims is the whole answer, deep-frozen', async () => {
    const sent = {
      scope: 'read write',
      sub: 'alice',
      client_id: 's6BhdRkqt3',
      exp: 1767268800.9,
      iat: 1767265200.5,
      aud: [AUDIENCE, 'https://other.example.com'],
      iss: ISSUER,
      jti: 'jti-1',
      username: 'alice@example.com',
      token_type: 'Bearer',
      ext: { tenant: 'acme', roles: ['admin'] },
    };
    fake.tokens.set(T_OK, sent);
    const seen: AuthInfo[] = [];
    // exp floors to NOW itself, so the request is made a minute before.
    const clock = () => NOW - 60_000;
    const res = await get(appOn(express, introspectionStore(options({ clock })), { clock, seen }));
    expect(res.status).toBe(200);
    const [auth] = seen as [AuthInfo];
    expect({
      scopes: auth.scopes,
      subject: auth.subject,
      clientIdentifier: auth.clientIdentifier,
      clientId: auth.clientId,
      expiresAt: auth.expiresAt,
      createdAt: auth.accessToken.createdAt,
      hasClientId: 'clientId' in auth.accessToken,
    }).toEqual({
      scopes: ['read', 'write'],
      subject: 'alice',
      clientIdentifier: 's6BhdRkqt3',
      clientId: undefined,
      expiresAt: 1767268800000,
      createdAt: 1767265200000,
      hasClientId: false,
    });
    const claims = auth.claims as { aud: unknown; ext: { roles: unknown } };
    expect(claims).toEqual({ active: true, ...sent });
    expect(Array.isArray(claims.aud)).toBe(true);
    expect([Object.isFrozen(claims), Object.isFrozen(claims.aud), Object.isFrozen(claims.ext), Object.isFrozen(claims.ext.roles)]).toEqual([
      true,
      true,
      true,
      true,
    ]);
  });

  it.each([
    ['1001', 1001],
    ['9007199254740991', 9007199254740991],
    ['0123', undefined],
    ['9007199254740993', undefined],
    ['-1', undefined],
    ['1e3', undefined],
    [' 1001', undefined],
  ])('I-03: client_id %j is clientIdentifier as sent, and clientId %p', async (clientIdentifier, clientId) => {
    fake.tokens.set(T_OK, claimsFor({ client_id: clientIdentifier }));
    const seen: AuthInfo[] = [];
    expect((await get(appOn(express, introspectionStore(options()), { seen }))).status).toBe(200);
    expect([seen[0]?.clientIdentifier, seen[0]?.clientId, seen[0]?.accessToken.clientId]).toEqual([clientIdentifier, clientId, clientId]);
  });

  it('I-03: a scope string with repeated spaces gives no empty scope; no scope at all is no scopes (403 on a read route)', async () => {
    const seen: AuthInfo[] = [];
    fake.tokens.set(T_OK, claimsFor({ scope: ' read  write ' }));
    const app = appOn(express, introspectionStore(options()), { seen });
    expect((await get(app)).status).toBe(200);
    expect(seen[0]?.scopes).toEqual(['read', 'write']);
    fake.tokens.set(T_OK, claimsFor({ scope: undefined }));
    expect(outcome(await get(app)).slice(0, 2)).toEqual([403, C.scope('read')]);
  });

  it.each([
    ['exp: now-1', { exp: SEC - 1 }],
    ['exp: now (it expires at this very ms)', { exp: SEC }],
    ['nbf: now+60', { nbf: SEC + 60 }],
    ['nbf: now+0.5 (a fraction of a second ahead)', { nbf: SEC + 0.5 }],
    ['no exp', { exp: undefined }],
    ['exp as a string', { exp: String(SEC + HOUR / 1000) }],
  ])('I-04: %s is 401 invalid_token even with active:true', async (_name, fields) => {
    fake.tokens.set(T_OK, claimsFor(fields));
    const res = await get(appOn(express, introspectionStore(options())));
    expect(outcome(res)).toEqual([401, C.invalidToken, INVALID_TOKEN_BODY]);
    expect([fake.calls.length, errors]).toEqual([1, []]);
  });

  it.each([
    ['exp: now+1', { exp: SEC + 1 }],
    ['nbf: now', { nbf: SEC }],
    ['nbf: now-60', { nbf: SEC - 60 }],
  ])('I-04: %s is 200', async (_name, fields) => {
    fake.tokens.set(T_OK, claimsFor(fields));
    expect((await get(appOn(express, introspectionStore(options())))).status).toBe(200);
  });

  it('I-05: a cached answer is never served past exp', async () => {
    let now = NOW;
    const clock = () => now;
    const store = cachedStore(introspectionStore(options({ clock })), { clock, ttlMs: 60_000 });
    const app = appOn(express, store, { clock });
    fake.tokens.set(T_OK, claimsFor({ exp: SEC + 2 }));
    expect((await get(app)).status).toBe(200);
    now = NOW + 1_000;
    expect((await get(app)).status).toBe(200);
    expect(fake.calls).toHaveLength(1);
    now = NOW + 3_000;
    expect(outcome(await get(app))).toEqual([401, C.invalidToken, INVALID_TOKEN_BODY]);
    expect(outcome(await get(app))).toEqual([401, C.invalidToken, INVALID_TOKEN_BODY]);
    expect(errors).toEqual([]);
  });

  it('I-05: a token revoked at the server passes until ttlMs has elapsed, then is 401', async () => {
    let now = NOW;
    const clock = () => now;
    const store = cachedStore(introspectionStore(options({ clock })), { clock, ttlMs: 60_000 });
    const app = appOn(express, store, { clock });
    expect((await get(app)).status).toBe(200);
    fake.tokens.delete(T_OK);
    expect(await introspectionStore(options()).resolveAccessToken(T_OK)).toBeUndefined();
    now = NOW + 59_999;
    expect((await get(app)).status).toBe(200);
    expect(fake.calls).toHaveLength(2);
    now = NOW + 60_001;
    expect(outcome(await get(app))).toEqual([401, C.invalidToken, INVALID_TOKEN_BODY]);
    expect(fake.calls).toHaveLength(3);
  });

  it.each([
    ['a different string', 401, 'https://other.example.com'],
    ['the same string in another case', 401, 'https://API.example.com'],
    ['the same string with a trailing slash', 401, `${AUDIENCE}/`],
    ['an array without it', 401, ['https://other.example.com', 'https://api.example.org']],
    ['absent', 401, undefined],
    ['an empty array', 401, []],
    ['the same string', 200, AUDIENCE],
    ['an array containing it', 200, ['https://other.example.com', AUDIENCE]],
  ])('I-06: with audience set, aud %s is %d', async (_name, status, aud) => {
    fake.tokens.set(T_OK, claimsFor({ aud }));
    const res = await get(appOn(express, introspectionStore(options({ audience: AUDIENCE }))));
    expect(res.status).toBe(status);
    if (status === 401) expect(outcome(res)).toEqual([401, C.invalidToken, INVALID_TOKEN_BODY]);
    expect(errors).toEqual([]);
  });

  it.each([
    ['another issuer', 401, 'https://evil.example.com'],
    ['the same with a trailing slash', 401, `${ISSUER}/`],
    ['an array holding it', 401, [ISSUER]],
    ['absent', 401, undefined],
    ['exactly the issuer', 200, ISSUER],
  ])('I-06: with issuer set, iss %s is %d', async (_name, status, iss) => {
    fake.tokens.set(T_OK, claimsFor({ iss }));
    const res = await get(appOn(express, introspectionStore(options({ issuer: ISSUER }))));
    expect(res.status).toBe(status);
    if (status === 401) expect(outcome(res)).toEqual([401, C.invalidToken, INVALID_TOKEN_BODY]);
  });

  it.each([
    ['HTTP 500', json(500, { error: 'server_error' }), {}, 'Token introspection answered HTTP 500', 500],
    ['HTTP 401 from the endpoint (a wrong client secret)', undefined, { clientSecret: 'wrong' }, 'Token introspection answered HTTP 401', 401],
    ['HTTP 503 with an active answer', json(503, { active: true, scope: 'read', exp: SEC + HOUR / 1000 }), {}, 'Token introspection answered HTTP 503', 503],
    ['a 200 that is not JSON', json(200, '<html>maintenance</html>'), {}, 'Token introspection answered HTTP 200 with a body that is not a JSON object', 200],
    ['a 200 whose JSON is an array', json(200, [{ active: true }]), {}, 'Token introspection answered HTTP 200 with a body that is not a JSON object', 200],
    ['a 200 whose JSON is null', json(200, 'null'), {}, 'Token introspection answered HTTP 200 with a body that is not a JSON object', 200],
    ['a truncated body', { truncated: '{"active":true,"scope":"re', declaredLength: 200 }, {}, 'Token introspection: the request failed (UND_ERR_SOCKET)', undefined],
    ['no answer within timeoutMs', { hang: true }, { timeoutMs: 100 }, 'Token introspection: no answer within 100 ms', undefined],
  ] as Array<[string, IntrospectionReply | undefined, Partial<IntrospectionStoreOptions>, string, number | undefined]>)(
    '%s is a 503, and onError gets an UpstreamError',
    async (_name, reply, more, message, status) => {
      if (reply !== undefined) replyOnce(reply);
      const causes: Array<Error & { cause?: unknown }> = [];
      const res = await get(appOn(express, introspectionStore(options(more)), { causes }));
      expect(outcome(res)).toEqual([503, C.C0, UNAVAILABLE_BODY]);
      expect(errors).toHaveLength(1);
      const [error] = errors as [UpstreamError];
      expect(error).toBeInstanceOf(UpstreamError);
      expect([error.code, error.message, 'status' in error, error.status]).toEqual(['ERR_UPSTREAM', message, status !== undefined, status]);
      expect(causes).toHaveLength(1);
      expect(causes[0]?.cause).toBe(error);
      expect(fake.calls).toHaveLength(1);
    },
  );

  it('a connection refused is a 503 with no status and the failure as cause', async () => {
    const port = await freePort();
    const res = await get(appOn(express, introspectionStore(options({ endpoint: `http://127.0.0.1:${port}/introspect` }))));
    expect(outcome(res)).toEqual([503, C.C0, UNAVAILABLE_BODY]);
    const [error] = errors as [UpstreamError];
    expect([error.message, 'status' in error, (error.cause as Error).message]).toEqual([
      'Token introspection: the request failed (ECONNREFUSED)',
      false,
      'fetch failed',
    ]);
  });

  it('an answer after the client gave up is a 503 and changes nothing: no unhandled rejection, the next request is 200', async () => {
    const unhandled: unknown[] = [];
    const onProblem = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onProblem);
    process.on('uncaughtException', onProblem);
    try {
      const app = appOn(express, introspectionStore(options({ timeoutMs: 100 })));
      let sent!: () => void;
      const answered = new Promise<void>((resolve) => (sent = resolve));
      replyOnce(json(200, { active: true, ...claimsFor({ sub: 'late' }) }, { delayMs: 300, onSent: () => sent() }));
      expect(outcome(await get(app))).toEqual([503, C.C0, UNAVAILABLE_BODY]);
      await answered;
      await new Promise((resolve) => setImmediate(resolve));
      expect(errors.map((error) => [error.message, 'status' in error])).toEqual([['Token introspection: no answer within 100 ms', false]]);
      const res = await get(app);
      expect([res.status, res.body, fake.calls.length]).toEqual([200, { subject: 'alice' }, 2]);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onProblem);
      process.off('uncaughtException', onProblem);
    }
  });
});

describe('introspectionStore', () => {
  it('authenticates with Basic base64(urlencode(id) ":" urlencode(secret)) and posts token and token_type_hint, form-encoded', async () => {
    const found = await introspectionStore(options()).resolveAccessToken(T_OK);
    expect(found?.subject).toBe('alice');
    expect(fake.calls).toEqual([
      {
        method: 'POST',
        path: '/introspect',
        headers: expect.objectContaining({
          authorization: BASIC,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        }) as unknown,
        body: 'token=tok-OK.read_0123456789%7E%2B%2F&token_type_hint=access_token',
      },
    ]);
    expect(Buffer.from(BASIC.slice('Basic '.length), 'base64').toString()).toBe('my+client:p%40ss%3Aw%2Frd%26%3D');
  });

  it('form-encodes a token with reserved characters so the server reads it back whole', async () => {
    const token = 'a b&c=d+e%f';
    fake.tokens.set(token, claimsFor({ sub: 'reserved' }));
    const found = await introspectionStore(options()).resolveAccessToken(token);
    expect([found?.subject, (fake.calls[0] as IntrospectionCall).body]).toEqual(['reserved', 'token=a+b%26c%3Dd%2Be%25f&token_type_hint=access_token']);
  });

  it('sends authorization as is instead of a client id and secret', async () => {
    const store = introspectionStore({ endpoint: fake.endpoint, authorization: BEARER, clock: () => NOW, onError: (error) => errors.push(error) });
    expect((await store.resolveAccessToken(T_OK))?.subject).toBe('alice');
    expect(fake.calls.map((call) => [call.headers.authorization, call.body])).toEqual([
      [BEARER, 'token=tok-OK.read_0123456789%7E%2B%2F&token_type_hint=access_token'],
    ]);
  });

  it('uses the fetch it is given, with the same request', async () => {
    const seen: Array<[string, { method: string; headers: Record<string, string>; body?: string }]> = [];
    const store = introspectionStore(
      options({
        endpoint: 'https://as.example.com/introspect',
        fetch: async (input, init) => {
          seen.push([input, { method: init.method, headers: init.headers, ...(init.body === undefined ? {} : { body: init.body }) }]);
          return { status: 200, text: async () => JSON.stringify({ active: true, ...claimsFor() }) };
        },
      }),
    );
    expect((await store.resolveAccessToken('t'))?.subject).toBe('alice');
    expect(seen).toEqual([
      [
        'https://as.example.com/introspect',
        {
          method: 'POST',
          headers: { authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: 'token=t&token_type_hint=access_token',
        },
      ],
    ]);
  });

  it.each([
    ['exp: now-1', {}, { exp: SEC - 1 }, 'expired'],
    ['nbf: now+60', {}, { nbf: SEC + 60 }, 'not_yet_valid'],
    ['nbf: now+0.5', {}, { nbf: SEC + 0.5 }, 'not_yet_valid'],
    ['another aud', { audience: AUDIENCE }, { aud: 'https://other.example.com' }, 'wrong_audience'],
    ['another iss', { issuer: ISSUER }, { iss: 'https://evil.example.com' }, 'wrong_issuer'],
  ] as Array<[string, Partial<IntrospectionStoreOptions>, Record<string, unknown>, string]>)(
    'I-04/I-06: refuses %s itself with an InvalidTokenError, not only through the guard',
    async (_name, more, fields, reason) => {
      fake.tokens.set(T_OK, claimsFor(fields));
      await expect(Promise.resolve(introspectionStore(options(more)).resolveAccessToken(T_OK))).rejects.toMatchObject({
        code: 'ERR_INVALID_TOKEN',
        status: 401,
        reason,
      });
      expect(errors).toEqual([]);
    },
  );

  it('maps acr, auth_time (seconds, floored), aud (always an array) and cnf; a cnf it cannot check fails the record check', async () => {
    const store = introspectionStore(options());
    fake.tokens.set(T_OK, claimsFor({ acr: 'urn:mfa', auth_time: SEC - 30.7, aud: 'https://api.example.com', cnf: { jkt: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs' } }));
    expect(await store.resolveAccessToken(T_OK)).toMatchObject({
      acr: 'urn:mfa',
      authTime: NOW - 31_000,
      audience: ['https://api.example.com'],
      cnf: { jkt: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs' },
    });
    fake.tokens.set(T_OK, claimsFor({ aud: ['a', 'b'] }));
    expect(await store.resolveAccessToken(T_OK)).toMatchObject({ audience: ['a', 'b'] });
    fake.tokens.set(T_OK, claimsFor({ cnf: { jwk: { kty: 'EC' } } }));
    expect(await store.resolveAccessToken(T_OK)).toMatchObject({ cnf: { jwk: { kty: 'EC' } } });
  });

  it('clockToleranceMs lets exp and nbf be off by that much, and no more', async () => {
    const store = introspectionStore(options({ clockToleranceMs: 5_000 }));
    for (const [fields, accepted] of [
      [{ exp: SEC - 4 }, true],
      [{ exp: SEC - 5 }, false],
      [{ nbf: SEC + 5 }, true],
      [{ nbf: SEC + 5.001 }, false],
    ] as const) {
      fake.tokens.set(T_OK, claimsFor(fields));
      const outcome = await Promise.resolve(store.resolveAccessToken(T_OK)).then(
        () => true,
        () => false,
      );
      expect([fields, outcome]).toEqual([fields, accepted]);
    }
    expect(() => introspectionStore(options({ clockToleranceMs: -1 }))).toThrow('introspectionStore: options.clockToleranceMs must be a number of ms, 0 or more');
  });

  it('treats a redirect as a failure (503): the token is never sent again, elsewhere', async () => {
    replyOnce({ status: 307, body: '', headers: { location: `${fake.endpoint}?again` } });
    const resolving = Promise.resolve(introspectionStore(options()).resolveAccessToken(T_OK));
    await expect(resolving).rejects.toBeInstanceOf(UpstreamError);
    expect(fake.calls).toHaveLength(1);
    expect(errors.map((error) => error.message)).toEqual([expect.stringMatching(/^Token introspection: the request failed/)]);
  });

  it('posts to the endpoint exactly as given, a trailing slash included', async () => {
    await Promise.resolve(introspectionStore(options({ endpoint: `${fake.endpoint}/` })).resolveAccessToken(T_OK)).catch(() => undefined);
    expect(fake.calls.map((call) => call.path)).toEqual(['/introspect/']);
  });

  it('resolves an active answer to a record; no exp leaves accessTokenExpiresAt out for the guard to refuse', async () => {
    const store = introspectionStore(options());
    expect(await store.resolveAccessToken(T_OK)).toEqual({
      accessTokenExpiresAt: NOW + HOUR,
      createdAt: NOW - 60_000,
      scopes: ['read'],
      subject: 'alice',
      clientIdentifier: 's6BhdRkqt3',
      claims: { active: true, ...claimsFor() },
    });
    fake.tokens.set(T_OK, claimsFor({ exp: undefined }));
    expect(await store.resolveAccessToken(T_OK)).not.toHaveProperty('accessTokenExpiresAt');
    expect(await store.resolveAccessToken('unknown')).toBeUndefined();
  });

  it('with cachedStore, 1,000 lookups and a few requests with one token make exactly one introspection call', async () => {
    const store = cachedStore(introspectionStore(options()), { clock: () => NOW });
    const answers = await Promise.all(Array.from({ length: 1000 }, () => store.resolveAccessToken(T_OK)));
    expect(answers.every((found) => found === answers[0] && found?.subject === 'alice')).toBe(true);
    const app = appOn(flavours[0].express, store);
    for (let i = 0; i < 5; i++) expect((await get(app)).status).toBe(200);
    expect(fake.calls).toHaveLength(1);
    expect(store.stats()).toMatchObject({ misses: 1, coalesced: 999, hits: 5, size: 1 });
    store.evict(hashToken(T_OK));
    expect((await get(app)).status).toBe(200);
    expect(fake.calls).toHaveLength(2);
  });

  it('with cachedStore, a failed introspection is not cached: the next request asks again', async () => {
    const store = cachedStore(introspectionStore(options()), { clock: () => NOW });
    const app = appOn(flavours[0].express, store);
    replyOnce(json(500, 'oops'));
    expect((await get(app)).status).toBe(503);
    expect((await get(app)).status).toBe(200);
    expect(fake.calls).toHaveLength(2);
  });

  it('never lets the token (or the client secret) reach a warning, stderr, an error message or a cause', async () => {
    const token = 'leak-canary_Zq8pW3xY7~+/';
    const forms = [token, encodeURIComponent(token), new URLSearchParams({ token }).toString().slice('token='.length), CLIENT_SECRET, encodeURIComponent(CLIENT_SECRET)];
    const written: string[] = [];
    const spies = [
      jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (written.push(String(chunk)), true)),
      jest.spyOn(process, 'emitWarning').mockImplementation((warning: string | Error) => void written.push(String(warning), (warning as Error).stack ?? '', inspect(warning))),
    ];
    try {
      const port = await freePort();
      const causes: Array<Error & { cause?: unknown }> = [];
      const express = flavours[0].express;
      // The default onError (a process warning), and one that keeps what it gets.
      const stores = [
        (more: Partial<IntrospectionStoreOptions>) => introspectionStore({ endpoint: fake.endpoint, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, clock: () => NOW, ...more }),
        (more: Partial<IntrospectionStoreOptions>) => introspectionStore(options(more)),
      ];
      const cases: Array<[IntrospectionReply | undefined, Partial<IntrospectionStoreOptions>, number]> = [
        [json(500, { error: 'server_error' }), {}, 503],
        [undefined, { clientSecret: 'wrong' }, 503],
        [json(200, '<html>'), {}, 503],
        [json(200, '[]'), {}, 503],
        [{ truncated: '{"active":tr', declaredLength: 100 }, {}, 503],
        [{ hang: true }, { timeoutMs: 100 }, 503],
        [undefined, { endpoint: `http://127.0.0.1:${port}/introspect` }, 503],
        [json(200, { active: 'true' }), {}, 401],
        [json(200, { active: true, scope: 'read', exp: SEC - 1 }), {}, 401],
        [json(200, { active: true, scope: 'read', exp: SEC + 60, nbf: SEC + 60 }), {}, 401],
        [json(200, { active: true, scope: 'read', exp: SEC + 60, aud: 'x' }), { audience: AUDIENCE }, 401],
        [json(200, { active: true, scope: 'read', exp: SEC + 60, iss: 'x' }), { issuer: ISSUER }, 401],
      ];
      for (const store of stores) {
        for (const [reply, more, status] of cases) {
          if (reply !== undefined) replyOnce(reply);
          expect((await get(appOn(express, store(more), { causes }), token)).status).toBe(status);
        }
      }
      const warnings = written.length;
      for (const error of [...errors, ...causes, ...causes.map((cause) => cause.cause).filter((cause) => cause !== undefined)]) {
        written.push(String(error), (error as Error).message, (error as Error).stack ?? '', inspect(error, { depth: 10 }), JSON.stringify(error) ?? '');
      }
      expect([warnings >= 7 * 3, errors.length, causes.length]).toEqual([true, 7, cases.length * 2]);
      expect(written.filter((text) => forms.some((form) => text.includes(form)))).toEqual([]);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });

  const endpoint = 'https://as.example.com/introspect';
  it.each([
    [{}, 'ERR_INVALID_ARG_TYPE', 'introspectionStore: options.endpoint must be a URL string'],
    [
      { endpoint: 'http://example.com/introspect', clientId: 'a', clientSecret: 'b' },
      'ERR_INVALID_ARG_VALUE',
      'introspectionStore: options.endpoint must be an https URL (http only on localhost, 127.0.0.1 or [::1]), not "http://example.com/introspect"',
    ],
    [{ endpoint: 'as.example.com/introspect' }, 'ERR_INVALID_ARG_VALUE', 'introspectionStore: options.endpoint must be an absolute URL, not "as.example.com/introspect"'],
    [{ endpoint: 'https://u:p@as.example.com/introspect' }, 'ERR_INVALID_ARG_VALUE', 'introspectionStore: options.endpoint must not hold credentials'],
    [{ endpoint }, 'ERR_INVALID_ARG_TYPE', 'introspectionStore: options.clientId (or options.authorization) must be a non-empty string'],
    [{ endpoint, clientSecret: 'b' }, 'ERR_INVALID_ARG_TYPE', 'introspectionStore: options.clientId (or options.authorization) must be a non-empty string'],
    [{ endpoint, clientId: 'a' }, 'ERR_INVALID_ARG_TYPE', 'introspectionStore: options.clientSecret must be a non-empty string'],
    [{ endpoint, clientId: 'a', clientSecret: '' }, 'ERR_INVALID_ARG_TYPE', 'introspectionStore: options.clientSecret must be a non-empty string'],
    [
      { endpoint, authorization: BEARER, clientId: 'a' },
      'ERR_INVALID_ARG_VALUE',
      'introspectionStore: give either options.authorization or options.clientId and options.clientSecret, not both',
    ],
    [
      { endpoint, authorization: BEARER, clientSecret: 'b' },
      'ERR_INVALID_ARG_VALUE',
      'introspectionStore: give either options.authorization or options.clientId and options.clientSecret, not both',
    ],
    [{ endpoint, authorization: '' }, 'ERR_INVALID_ARG_TYPE', 'introspectionStore: options.authorization must be a non-empty string'],
    [
      { endpoint, authorization: 'Bearer se\ncret' },
      'ERR_INVALID_ARG_VALUE',
      'introspectionStore: options.authorization must be one line of visible ASCII characters and spaces, without leading or trailing space',
    ],
    [
      { endpoint, authorization: 'Bearer secret\n' },
      'ERR_INVALID_ARG_VALUE',
      'introspectionStore: options.authorization must be one line of visible ASCII characters and spaces, without leading or trailing space',
    ],
    [
      { endpoint, clientId: 'a', clientSecret: 'b', timeout: 100 },
      'ERR_INVALID_ARG_VALUE',
      'introspectionStore: unknown option "timeout" (it takes endpoint, clientId, clientSecret, authorization, fetch, timeoutMs, audience, issuer, clock, clockToleranceMs, onError)',
    ],
    [{ endpoint, clientId: 'a', clientSecret: 'b', clock: 5 }, 'ERR_INVALID_ARG_TYPE', 'introspectionStore: options.clock must be a function'],
    [{ endpoint, clientId: 'a', clientSecret: 'b', fetch: 'fetch' }, 'ERR_INVALID_ARG_TYPE', 'introspectionStore: options.fetch must be a function (a fetch implementation)'],
    [{ endpoint, clientId: 'a', clientSecret: 'b', timeoutMs: '100' }, 'ERR_INVALID_ARG_TYPE', 'introspectionStore: options.timeoutMs must be a number'],
    [{ endpoint, clientId: 'a', clientSecret: 'b', timeoutMs: 0 }, 'ERR_INVALID_ARG_VALUE', 'introspectionStore: options.timeoutMs must be a positive number of ms (at most 2^31-1)'],
    [{ endpoint, clientId: 'a', clientSecret: 'b', audience: '' }, 'ERR_INVALID_ARG_TYPE', 'introspectionStore: options.audience must be a non-empty string'],
    [{ endpoint, clientId: 'a', clientSecret: 'b', issuer: 5 }, 'ERR_INVALID_ARG_TYPE', 'introspectionStore: options.issuer must be a non-empty string'],
    [{ endpoint, clientId: 'a', clientSecret: 'b', onError: 'log' }, 'ERR_INVALID_ARG_TYPE', 'introspectionStore: options.onError must be a function'],
    [null, 'ERR_INVALID_ARG_TYPE', 'introspectionStore: options must be an object, e.g. { endpoint, clientId, clientSecret }'],
  ])('checks its options: %j is a TypeError (%s)', (given, code, message) => {
    let thrown: unknown;
    try {
      introspectionStore(given as unknown as IntrospectionStoreOptions);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TypeError);
    expect([(thrown as TypeError).message, (thrown as { code?: unknown }).code]).toEqual([message, code]);
  });

  it.each(['http://localhost:8080/introspect', 'http://127.0.0.1:8080/introspect', 'http://[::1]:8080/introspect', endpoint])(
    'accepts the endpoint %s',
    (url) => {
      expect(typeof introspectionStore({ endpoint: url, clientId: 'a', clientSecret: 'b' }).resolveAccessToken).toBe('function');
    },
  );
});
