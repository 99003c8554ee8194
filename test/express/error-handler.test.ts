import request from 'supertest';
import { InsufficientScopeError, authErrorHandler, type TokenStore } from '../../src/index.js';
import { fixtureApp, flavours } from '../helpers/apps.js';
import { C, T_EXP, T_OK, challenges } from '../helpers/fixtures.js';

describe.each(flavours)('authErrorHandler on $name', ({ express }) => {
  const app = fixtureApp(express, { errorHandler: authErrorHandler() });

  async function answer(path: string, authorization?: string) {
    const req = request(app).get(path);
    const res = await (authorization === undefined ? req : req.set('Authorization', authorization));
    return {
      status: res.status,
      type: res.headers['content-type'],
      challenge: res.headers['www-authenticate'],
      cache: res.headers['cache-control'],
      body: res.body,
    };
  }

  const json = 'application/json; charset=utf-8';

  it('X-03: 401 invalid_token mirrors the challenge and holds no token', async () => {
    const res = await request(app).get('/r').set('Authorization', `Bearer ${T_EXP}`);
    expect(res.text).toBe('{"error":"invalid_token","error_description":"The access token is invalid or has expired"}');
    expect(res.text).not.toContain(T_EXP);
    expect([res.status, res.headers['www-authenticate'], res.headers['cache-control']]).toEqual([401, C.invalidToken, 'no-store']);
  });

  it('400 invalid_request', async () => {
    expect(await answer('/r', 'Bearer a b')).toEqual({
      status: 400,
      type: json,
      challenge: C.malformed,
      cache: 'no-store',
      body: { error: 'invalid_request', error_description: 'The Authorization header is not a valid Bearer credential' },
    });
  });

  it('401 without credentials: no error in the challenge, "unauthorized" in the body', async () => {
    expect(await answer('/r')).toEqual({
      status: 401,
      type: json,
      challenge: C.C0,
      cache: 'no-store',
      body: { error: 'unauthorized', error_description: 'This resource requires a bearer access token' },
    });
  });

  it('403 insufficient_scope', async () => {
    expect(await answer('/admin', `Bearer ${T_OK}`)).toEqual({
      status: 403,
      type: json,
      challenge: C.scope('admin'),
      cache: 'no-store',
      body: { error: 'insufficient_scope', error_description: 'The access token does not carry the scope this request requires' },
    });
  });

  it('503 when the store fails: temporarily_unavailable, no store message', async () => {
    const store: TokenStore = {
      findByAccessTokenHash: () => {
        throw new Error('ECONNREFUSED db.internal');
      },
    };
    const failing = fixtureApp(express, { store, errorHandler: authErrorHandler() });
    const res = await request(failing).get('/r').set('Authorization', `Bearer ${T_OK}`);
    expect([res.status, res.headers['www-authenticate'], res.headers['cache-control'], res.text]).toEqual([
      503,
      C.C0,
      'no-store',
      '{"error":"temporarily_unavailable","error_description":"The token store is unavailable"}',
    ]);
  });

  it('sends exactly the headers and bytes res.json would, ETag included, every time', async () => {
    const viaJson = fixtureApp(express, {
      errorHandler: (err: InsufficientScopeError, _req: unknown, res: { status(n: number): { json(b: unknown): void } }, _next: unknown) => {
        res.status(err.status).json(err.toJSON());
      },
    });
    const strip = ({ date: _date, ...headers }: Record<string, string>) => headers;
    for (const [path, authorization] of [['/r', undefined], ['/r', `Bearer ${T_EXP}`], ['/admin', `Bearer ${T_OK}`], ['/r', 'Bearer a b']] as const) {
      const ask = (target: typeof app) => {
        const req = request(target).get(path);
        return authorization === undefined ? req : req.set('Authorization', authorization);
      };
      const expected = await ask(viaJson);
      for (const res of [await ask(app), await ask(app)]) {
        expect([res.status, strip(res.headers), res.text]).toEqual([expected.status, strip(expected.headers), expected.text]);
      }
      expect(expected.headers.etag).toMatch(/^W\/"/);
    }
    const quiet = fixtureApp(express, { errorHandler: authErrorHandler() });
    quiet.set('etag', false);
    expect((await request(quiet).get('/r')).headers.etag).toBeUndefined();
  });

  it('passes other errors on untouched', async () => {
    const other = express();
    other.get('/', () => {
      throw Object.assign(new Error('boom'), { status: 418 });
    });
    other.use(authErrorHandler());
    other.use((err: Error, _req: unknown, res: { status(n: number): { send(s: string): void } }, _next: unknown) => {
      res.status(500).send(`next saw ${err.message}`);
    });
    const res = await request(other).get('/');
    expect([res.status, res.text]).toEqual([500, 'next saw boom']);
  });

  it('renders an AuthError thrown by a handler, with the realm of the guard that saw the request', async () => {
    const routes = fixtureApp(express, { realm: 'shop' });
    routes.get('/delete', () => {
      throw new InsufficientScopeError(['items:delete'], 'all_of');
    });
    routes.use(authErrorHandler());
    const res = await request(routes).get('/delete').set('Authorization', `Bearer ${T_OK}`);
    expect([res.status, res.headers['www-authenticate'], res.body.error]).toEqual([
      403,
      challenges('shop').scope('items:delete'),
      'insufficient_scope',
    ]);
  });
});

describe.each(flavours)('tokenGuard({ sendErrors: true }) on $name', ({ express }) => {
  const failing: TokenStore = {
    findByAccessTokenHash: () => {
      throw new Error('ECONNREFUSED db.internal');
    },
  };
  const requests: Array<[string, string | undefined]> = [
    ['/r', undefined],
    ['/r', 'Basic dXNlcjpwYXNz'],
    ['/r', 'Bearer a b'],
    ['/r', `Bearer ${T_EXP}`],
    ['/admin', `Bearer ${T_OK}`],
    ['/any', `Bearer ${T_EXP}`],
  ];
  const ask = (app: ReturnType<typeof fixtureApp>, path: string, authorization: string | undefined) => {
    const req = request(app).get(path);
    return authorization === undefined ? req : req.set('Authorization', authorization);
  };
  const strip = ({ date: _date, ...headers }: Record<string, string>) => headers;

  it.each([
    ['the memory store', {}],
    ['a failing store (503)', { store: failing }],
    ['requiredScopes on the guard', { requiredScopes: ['admin'] }],
    ['a realm and error_uri', { realm: 'shop', errorUri: 'https://rs.example/e' }],
  ])('answers every refusal with the bytes and headers authErrorHandler sends, with %s, and no error handler sees it', async (_name, options) => {
    const seen: unknown[] = [];
    const direct = fixtureApp(express, {
      ...options,
      sendErrors: true,
      errorHandler: (err: unknown, _req: unknown, res: { status(n: number): { end(): void } }, _next: unknown) => {
        seen.push(err);
        res.status(500).end();
      },
    });
    const viaHandler = fixtureApp(express, { ...options, errorHandler: authErrorHandler() });
    for (const [path, authorization] of requests) {
      const expected = await ask(viaHandler, path, authorization);
      const res = await ask(direct, path, authorization);
      expect(expected.status).toBeGreaterThanOrEqual(400);
      expect([res.status, strip(res.headers), res.text]).toEqual([expected.status, strip(expected.headers), expected.text]);
    }
    expect(seen).toEqual([]);
  });

  it('admits as before, and an AuthError a handler throws still goes to next(err)', async () => {
    const direct = fixtureApp(express, { sendErrors: true });
    direct.get('/delete', () => {
      throw new InsufficientScopeError(['items:delete'], 'all_of');
    });
    direct.use(authErrorHandler());
    const ok = await request(direct).get('/r').set('Authorization', `Bearer ${T_OK}`);
    expect([ok.status, ok.body.subject]).toEqual([200, 'alice']);
    const res = await request(direct).get('/delete').set('Authorization', `Bearer ${T_OK}`);
    expect([res.status, res.headers['www-authenticate'], res.body.error]).toEqual([403, C.scope('items:delete'), 'insufficient_scope']);
  });
});
