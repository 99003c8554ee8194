import type { Server } from 'node:http';
import { inspect } from 'node:util';
import request from 'supertest';
import type { ErrorRequestHandler } from 'express';
import { MemoryTokenStore, hashToken, requireScopes, tokenGuard, type TokenStore } from '../../src/index.js';
import { fixtureApp, flavours } from '../helpers/apps.js';
import { C, HOUR, NOW, T_ADMIN, T_B64, T_EXP, T_INACT, T_OK, challenges, fixtureRecords } from '../helpers/fixtures.js';
import { listen, rawRequest } from '../helpers/http.js';

const ALICE = {
  subject: 'alice',
  clientId: 1001,
  scopes: ['read'],
  properties: { tenant: 'acme', plan: 'gold' },
  grantType: 'AUTHORIZATION_CODE',
  expiresAt: NOW + HOUR,
};

describe.each(flavours)('tokenGuard on $name', ({ express }) => {
  const app = fixtureApp(express);

  /** Asserts an error response: status, exact challenge, and no-store. */
  function expectRefused(res: request.Response, status: number, challenge: string): void {
    expect({ status: res.status, challenge: res.headers['www-authenticate'], cache: res.headers['cache-control'] }).toEqual({
      status,
      challenge,
      cache: 'no-store',
    });
  }

  describe('the Authorization header', () => {
    it('B-01: a valid token reaches the handler with req.auth', async () => {
      const res = await request(app).get('/r').set('Authorization', `Bearer ${T_OK}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual(ALICE);
      expect(res.headers['www-authenticate']).toBeUndefined();
    });

    it.each(['bEaReR', 'BEARER', 'bearer'])('B-02: the scheme %s is accepted', async (scheme) => {
      const res = await request(app).get('/r').set('Authorization', `${scheme} ${T_OK}`);
      expect(res.status).toBe(200);
    });

    it('B-03: the token is case-sensitive', async () => {
      const res = await request(app).get('/r').set('Authorization', `Bearer ${T_OK.toUpperCase()}`);
      expectRefused(res, 401, C.invalidToken);
    });

    it('B-04: the whole b64token alphabet with trailing = is accepted', async () => {
      const res = await request(app).get('/r').set('Authorization', `Bearer ${T_B64}`);
      expect(res.status).toBe(200);
      expect(res.body.subject).toBe('b64');
    });

    it.each(['ab=c', 'a"b', 'a;b', 'é'])('B-05: the token %j is 400 invalid_request', async (token) => {
      const res = await request(app).get('/r').set('Authorization', `Bearer ${token}`);
      expectRefused(res, 400, C.malformed);
    });

    it('B-06: several SP before the token are accepted', async () => {
      const res = await request(app).get('/r').set('Authorization', `Bearer   ${T_OK}`);
      expect(res.status).toBe(200);
    });

    it('B-06: a TAB before the token is 400', async () => {
      const res = await request(app).get('/r').set('Authorization', `Bearer\t${T_OK}`);
      expectRefused(res, 400, C.malformed);
    });

    it('B-07: Bearer with no token is 400', async () => {
      const res = await request(app).get('/r').set('Authorization', 'Bearer');
      expectRefused(res, 400, C.malformed);
    });

    it.each([`Bearer token="${T_OK}"`, `Bearer ${T_OK} x`])('B-08: %j is 400', async (value) => {
      const res = await request(app).get('/r').set('Authorization', value);
      expectRefused(res, 400, C.malformed);
    });

    it('H-05: a comma-joined pair of credentials is 400', async () => {
      const res = await request(app).get('/r').set('Authorization', `Bearer ${T_OK}, Bearer ${T_OK}`);
      expectRefused(res, 400, C.malformed);
    });

    it.each(['Basic dXM6cHc=', 'Foo x', `Bearer2 ${T_OK}`, `DPoP ${T_OK}`])(
      'B-17: the other scheme %j is 401 with no error',
      async (value) => {
        const res = await request(app).get('/r').set('Authorization', value);
        expectRefused(res, 401, C.C0);
      },
    );

    it('B-16/B-17: no credentials is 401 with no error', async () => {
      const res = await request(app).get('/r');
      expectRefused(res, 401, C.C0);
    });

    it('H-06: Proxy-Authorization is not a credential of this server', async () => {
      const res = await request(app).get('/r').set('Proxy-Authorization', `Bearer ${T_OK}`);
      expectRefused(res, 401, C.C0);
    });
  });

  describe('raw header lines', () => {
    let server: Server;
    beforeAll(async () => {
      server = await listen(app);
    });
    afterAll(() => server.close());

    it('B-10: two Authorization lines are 400, even when both are valid', async () => {
      const res = await rawRequest(server, ['GET /r HTTP/1.1', `Authorization: Bearer ${T_OK}`, `authorization: Bearer ${T_OK}`]);
      expect([res.status, res.header('www-authenticate'), res.header('cache-control')]).toEqual([400, C.repeated, 'no-store']);
    });

    it('DP-24: a Bearer line beside a DPoP line is 400 invalid_request', async () => {
      const res = await rawRequest(server, ['GET /r HTTP/1.1', `Authorization: DPoP ${T_OK}`, `Authorization: Bearer ${T_OK}`]);
      expect([res.status, res.header('www-authenticate')]).toEqual([400, C.repeated]);
    });

    it('H-04: whitespace around the field value is not part of it', async () => {
      const res = await rawRequest(server, ['GET /r HTTP/1.1', `Authorization: \t Bearer ${T_OK} \t `]);
      expect(res.status).toBe(200);
    });

    it('B-05: raw non-ASCII bytes in the token are 400', async () => {
      const head = Buffer.concat([
        Buffer.from('GET /r HTTP/1.1\r\nAuthorization: Bearer tok', 'latin1'),
        Buffer.from('\u00e9\u{1F600}', 'utf8'),
      ]).toString('latin1');
      const res = await rawRequest(server, head.split('\r\n'));
      expect([res.status, res.header('www-authenticate')]).toEqual([400, C.malformed]);
    });
  });

  describe('tokens and records', () => {
    it.each([
      ['an unknown token', 'unknown-token'],
      ['an expired token', T_EXP],
      ['a token with no record', T_INACT],
    ])('B-18: %s is 401 invalid_token', async (_name, token) => {
      const res = await request(app).get('/r').set('Authorization', `Bearer ${token}`);
      expectRefused(res, 401, C.invalidToken);
    });

    it('I-02: unknown and expired tokens get byte-identical answers', async () => {
      const answers = await Promise.all(
        [T_INACT, T_EXP].map(async (token) => {
          const res = await request(app).get('/r').set('Authorization', `Bearer ${token}`);
          const { date: _date, ...headers } = res.headers;
          return { status: res.status, headers, body: res.text.replaceAll(token, '') };
        }),
      );
      expect(answers[0]).toEqual(answers[1]);
    });

    it('B-19: a valid token without the route scope is 403 with scope', async () => {
      const res = await request(app).get('/admin').set('Authorization', `Bearer ${T_OK}`);
      expectRefused(res, 403, C.scope('admin'));
    });

    it('B-20: the 400s of B-05 and the 403 of B-19 carry a Bearer challenge too', async () => {
      for (const value of ['Bearer ab=c', 'Bearer a"b', 'Bearer a;b']) {
        expectRefused(await request(app).get('/r').set('Authorization', value), 400, C.malformed);
      }
      expectRefused(await request(app).get('/admin').set('Authorization', `Bearer ${T_OK}`), 403, C.scope('admin'));
    });

    it('expiry comes before scopes: an expired token without the scope is 401', async () => {
      const res = await request(app).get('/admin').set('Authorization', `Bearer ${T_EXP}`);
      expectRefused(res, 401, C.invalidToken);
    });

    it('requireAnyScope lets one of the scopes through and lists all when none matches', async () => {
      const ok = await request(app).get('/any').set('Authorization', `Bearer ${T_OK}`);
      expect(ok.status).toBe(200);
      const store = new MemoryTokenStore([{ accessTokenHash: hashToken('bare'), accessTokenExpiresAt: NOW + 1 }]);
      const res = await request(fixtureApp(express, { store })).get('/any').set('Authorization', 'Bearer bare');
      expectRefused(res, 403, C.scope('write read'));
    });

    it('requiredScopes on the guard applies to every route behind it', async () => {
      const guarded = fixtureApp(express, { requiredScopes: ['read', 'admin'] });
      const res = await request(guarded).get('/open').set('Authorization', `Bearer ${T_OK}`);
      expectRefused(res, 403, C.scope('read admin'));
      const admin = await request(guarded).get('/open').set('Authorization', `Bearer ${T_ADMIN}`);
      expect(admin.status).toBe(200);
    });

    it('a record whose hash is not the token hash is 401', async () => {
      const store: TokenStore = { findByAccessTokenHash: () => fixtureRecords()[0] };
      const res = await request(fixtureApp(express, { store })).get('/r').set('Authorization', 'Bearer other');
      expectRefused(res, 401, C.invalidToken);
    });

    it.each<[string, unknown]>([
      ['a string', 'record'],
      ['a number', 42],
      ['an array', [fixtureRecords()[0]]],
      ['a record with a string accessTokenExpiresAt', { ...fixtureRecords()[0], accessTokenExpiresAt: String(NOW + HOUR) }],
      ['a record with a string clientId', { ...fixtureRecords()[0], clientId: '1001' }],
    ])('B-18: a store answering %s gives 401 invalid_token', async (_name, answer) => {
      const store: TokenStore = { findByAccessTokenHash: () => answer as never };
      const res = await request(fixtureApp(express, { store })).get('/r').set('Authorization', `Bearer ${T_OK}`);
      expectRefused(res, 401, C.invalidToken);
    });

    it('moves with the injected clock and honours clockToleranceMs', async () => {
      let now = NOW + HOUR - 1;
      const clocked = fixtureApp(express, { clock: () => now, clockToleranceMs: 1000 });
      const ask = () => request(clocked).get('/r').set('Authorization', `Bearer ${T_OK}`);
      expect((await ask()).status).toBe(200);
      now = NOW + HOUR + 999;
      expect((await ask()).status).toBe(200);
      now = NOW + HOUR + 1000;
      expectRefused(await ask(), 401, C.invalidToken);
    });

    it('accepts a custom async hash for stores keyed differently', async () => {
      const hash = async (token: string) => `custom:${token.length}`;
      const store = new MemoryTokenStore([{ accessTokenHash: `custom:${T_OK.length}`, accessTokenExpiresAt: NOW + 1, scopes: ['read'] }]);
      const res = await request(fixtureApp(express, { store, hash })).get('/r').set('Authorization', `Bearer ${T_OK}`);
      expect(res.status).toBe(200);
    });
  });

  describe('a failing store', () => {
    const secret = 'bad "x"\n é at db.internal:5432';
    const stores: Array<[string, Partial<Parameters<typeof fixtureApp>[1]>]> = [
      ['throws', { store: { findByAccessTokenHash: () => { throw new Error(secret); } } }],
      ['rejects', { store: { findByAccessTokenHash: () => Promise.reject(new Error(secret)) } }],
      ['has a hash function that throws', { hash: () => { throw new Error(secret); } }],
    ];

    it.each(stores)('I-07/B-22: a store that %s gives 503, no error code, nothing leaked', async (_name, options) => {
      let reached = false;
      const failing = fixtureApp(express, options);
      failing.get('/reached', () => {
        reached = true;
      });
      const res = await request(failing).get('/r').set('Authorization', `Bearer ${T_OK}`);
      expectRefused(res, 503, C.C0);
      expect(res.text).toContain('StoreUnavailableError: The token store is unavailable');
      expect(res.text).not.toContain('db.internal');
      expect(res.text).not.toContain(T_OK);
      expect(reached).toBe(false);
    });
  });

  describe('the form body (allowFormBody)', () => {
    const bodyApp = fixtureApp(express, { allowFormBody: true, parsers: true });

    it('B-11: a form-encoded body token is accepted', async () => {
      const res = await request(bodyApp)
        .post('/r')
        .set('Content-Type', 'Application/X-WWW-Form-Urlencoded; charset=UTF-8')
        .send(`access_token=${encodeURIComponent(T_OK)}&x=1`);
      expect(res.status).toBe(200);
      expect(res.body.subject).toBe('alice');
    });

    it('B-09: a header token and a body token together are 400', async () => {
      const res = await request(bodyApp)
        .post('/r')
        .set('Authorization', `Bearer ${T_OK}`)
        .type('form')
        .send({ access_token: T_OK });
      expectRefused(res, 400, C.methods);
    });

    it('a repeated body parameter is 400', async () => {
      const res = await request(bodyApp).post('/r').type('form').send(`access_token=${T_OK}&access_token=${T_OK}`);
      expectRefused(res, 400, C.repeatedParameter);
    });

    it('an empty or malformed body parameter is 400', async () => {
      for (const value of ['', 'a%20b', 'a%C3%A9']) {
        const res = await request(bodyApp).post('/r').type('form').send(`access_token=${value}`);
        expectRefused(res, 400, C.malformedParameter);
      }
    });

    it('B-12: a GET with a form body is not authenticated by it', async () => {
      const res = await request(bodyApp).get('/r').type('form').send(`access_token=${T_OK}`);
      expectRefused(res, 401, C.C0);
    });

    it('B-12: a JSON access_token is never a token', async () => {
      const res = await request(bodyApp).post('/r').send({ access_token: T_OK });
      expectRefused(res, 401, C.C0);
    });

    it('B-12: a multipart part named access_token is not a token', async () => {
      const res = await request(bodyApp).post('/r').field('access_token', T_OK);
      expectRefused(res, 401, C.C0);
    });

    it('B-12: the body is ignored when the method is off', async () => {
      const res = await request(fixtureApp(express, { parsers: true })).post('/r').type('form').send(`access_token=${T_OK}`);
      expectRefused(res, 401, C.C0);
    });

    it('without express.urlencoded() before the guard, a body token is not seen', async () => {
      const res = await request(fixtureApp(express, { allowFormBody: true })).post('/r').type('form').send(`access_token=${T_OK}`);
      expectRefused(res, 401, C.C0);
    });
  });

  describe('the query string', () => {
    it('B-13: a query token is ignored by default', async () => {
      const res = await request(app).get(`/r?access_token=${encodeURIComponent(T_OK)}`);
      expectRefused(res, 401, C.C0);
    });

    it('B-13: a junk query token beside a valid header is ignored by default', async () => {
      const res = await request(app).get('/r?access_token=junk').set('Authorization', `Bearer ${T_OK}`);
      expect(res.status).toBe(200);
    });

    describe('with allowQuery', () => {
      let queryApp: ReturnType<typeof fixtureApp>;
      beforeAll(() => {
        const emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
        queryApp = fixtureApp(express, { allowQuery: true });
        emitWarning.mockRestore();
      });

      it('B-14: a query token is accepted and the 200 is Cache-Control: private', async () => {
        const res = await request(queryApp).get(`/r?access_token=${encodeURIComponent(T_OK)}`);
        expect([res.status, res.headers['cache-control']]).toEqual([200, 'private']);
      });

      it('B-14: a header token with a query token is 400', async () => {
        const res = await request(queryApp).get(`/r?access_token=${encodeURIComponent(T_OK)}`).set('Authorization', `Bearer ${T_OK}`);
        expectRefused(res, 400, C.methods);
      });

      it('B-14: a repeated access_token is 400', async () => {
        const res = await request(queryApp).get(`/r?access_token=${encodeURIComponent(T_OK)}&access_token=x`);
        expectRefused(res, 400, C.repeatedParameter);
      });

      it('B-14: a header-authenticated 200 is not marked private', async () => {
        const res = await request(queryApp).get('/r').set('Authorization', `Bearer ${T_OK}`);
        expect([res.status, res.headers['cache-control']]).toEqual([200, undefined]);
      });
    });
  });

  describe('options', () => {
    it('H-02: the realm is quoted and used by the route guards too', async () => {
      const realmApp = fixtureApp(express, { realm: 'my "api"' });
      const named = challenges('my \\"api\\"');
      expectRefused(await request(realmApp).get('/r'), 401, named.C0);
      expectRefused(await request(realmApp).get('/admin').set('Authorization', `Bearer ${T_OK}`), 403, named.scope('admin'));
    });

    it('B-23: errorUri is sent with error challenges', async () => {
      const res = await request(fixtureApp(express, { errorUri: 'https://rs.example/e' })).get('/r').set('Authorization', 'Bearer x');
      expectRefused(res, 401, `${C.invalidToken}, error_uri="https://rs.example/e"`);
    });

    it('credentialsRequired: false lets a request without credentials through with no req.auth', async () => {
      const optional = fixtureApp(express, { credentialsRequired: false });
      const none = await request(optional).get('/open');
      expect([none.status, none.body]).toEqual([200, null]);
      const basic = await request(optional).get('/open').set('Authorization', 'Basic dXM6cHc=');
      expect([basic.status, basic.body]).toEqual([200, null]);
      const authed = await request(optional).get('/open').set('Authorization', `Bearer ${T_OK}`);
      expect(authed.body).toEqual(ALICE);
    });

    it('credentialsRequired: false still refuses a bad token, and scoped routes still need one', async () => {
      const optional = fixtureApp(express, { credentialsRequired: false });
      expectRefused(await request(optional).get('/open').set('Authorization', 'Bearer bad'), 401, C.invalidToken);
      expectRefused(await request(optional).get('/open').set('Authorization', 'Bearer'), 400, C.malformed);
      expectRefused(await request(optional).get('/r'), 401, C.C0);
    });

    it('X-02: a CORS preflight passes through untouched', async () => {
      const res = await request(app).options('/r').set('Origin', 'https://app.example').set('Access-Control-Request-Method', 'GET');
      expect([res.status, res.headers['access-control-allow-methods'], res.headers['www-authenticate']]).toEqual([204, 'GET', undefined]);
    });

    it('X-02: OPTIONS without Access-Control-Request-Method, or with skipPreflight off, is guarded', async () => {
      expectRefused(await request(app).options('/r'), 401, C.C0);
      const strict = fixtureApp(express, { skipPreflight: false });
      expectRefused(await request(strict).options('/r').set('Access-Control-Request-Method', 'GET'), 401, C.C0);
    });
  });

  describe('errors and the application', () => {
    it('the challenge survives an error handler that ignores err.headers', async () => {
      const plain: ErrorRequestHandler = (err: { status?: number }, _req, res, _next) => {
        res.status(err.status ?? 500).send('custom');
      };
      const res = await request(fixtureApp(express, { errorHandler: plain })).get('/admin').set('Authorization', `Bearer ${T_OK}`);
      expectRefused(res, 403, C.scope('admin'));
      expect(res.text).toBe('custom');
    });

    it('errors reach next() with status, code, reason and headers, and never hold the token', async () => {
      const seen: unknown[] = [];
      const capture: ErrorRequestHandler = (err, _req, res, _next) => {
        seen.push(err);
        res.status(599).end();
      };
      const capturing = fixtureApp(express, { errorHandler: capture });
      await request(capturing).get('/r').set('Authorization', `Bearer ${T_EXP}`);
      await request(capturing).get('/r').set('Authorization', `Bearer ${T_OK} x`);
      await request(capturing).get('/admin').set('Authorization', `Bearer ${T_OK}`);
      expect(seen).toEqual([
        expect.objectContaining({ status: 401, code: 'ERR_INVALID_TOKEN', reason: 'expired', headers: { 'WWW-Authenticate': C.invalidToken, 'Cache-Control': 'no-store' } }),
        expect.objectContaining({ status: 400, code: 'ERR_INVALID_REQUEST', reason: 'malformed_authorization' }),
        expect.objectContaining({ status: 403, code: 'ERR_INSUFFICIENT_SCOPE', scope: ['admin'] }),
      ]);
      for (const error of seen) {
        const text = inspect(error, { depth: 10, showHidden: true });
        expect(text).not.toContain(T_EXP);
        expect(text).not.toContain(T_OK);
      }
    });

    it('the guard adds only req.auth (and a private symbol) to the request; req.auth holds no token', async () => {
      const guarded = express();
      let added: Array<string | symbol> = [];
      let authText = '';
      guarded.use((req, _res, next) => {
        const before = new Set(Reflect.ownKeys(req));
        tokenGuard({ store: new MemoryTokenStore(fixtureRecords()), clock: () => NOW })(req, _res, (err?: unknown) => {
          added = Reflect.ownKeys(req).filter((key) => !before.has(key));
          authText = inspect(req.auth, { depth: 10, showHidden: true });
          next(err);
        });
      });
      guarded.get('/', (_req, res) => {
        res.end();
      });
      await request(guarded).get('/').set('Authorization', `Bearer ${T_OK}`);
      expect(added.map(String).sort()).toEqual(['Symbol(express-token-guard.guard)', 'auth']);
      expect(authText).toContain("subject: 'alice'");
      expect(authText).not.toContain(T_OK);
    });

    it('B-15: the guard writes nothing anywhere, so no token can reach a log through it', async () => {
      const written: unknown[] = [];
      const spies = [
        ...(['log', 'info', 'warn', 'error', 'debug', 'trace'] as const).map((method) =>
          jest.spyOn(console, method).mockImplementation((...args: unknown[]) => void written.push(args)),
        ),
        jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => written.push(chunk) > 0),
        jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => written.push(chunk) > 0),
      ];
      try {
        for (const token of [T_OK, T_EXP, T_INACT, `${T_OK} x`]) {
          await request(app).get('/r').set('Authorization', `Bearer ${token}`);
          await request(app).get('/admin').set('Authorization', `Bearer ${token}`);
        }
        await request(fixtureApp(express, { store: { findByAccessTokenHash: () => Promise.reject(new Error('down')) } }))
          .get('/r')
          .set('Authorization', `Bearer ${T_OK}`);
      } finally {
        spies.forEach((spy) => spy.mockRestore());
      }
      expect(written).toEqual([]);
    });

    it('a route guard with no tokenGuard before it answers 401, never 500', async () => {
      const unguarded = express();
      unguarded.get('/r', requireScopes('read'), (_req, res) => {
        res.end();
      });
      expectRefused(await request(unguarded).get('/r').set('Authorization', `Bearer ${T_OK}`), 401, C.C0);
    });

    it('a handler that throws after an async lookup is the application\'s 500, and the next request still works', async () => {
      const store: TokenStore = { findByAccessTokenHash: async (hash) => fixtureRecords().find((r) => r.accessTokenHash === hash) };
      const throwing = express();
      throwing.use(tokenGuard({ store, clock: () => NOW }));
      throwing.get('/boom', () => {
        throw new Error('handler bug');
      });
      throwing.get('/ok', (req, res) => {
        res.json(req.auth?.subject);
      });
      throwing.set('env', 'test');
      const server = await listen(throwing);
      try {
        const boom = await request(server).get('/boom').set('Authorization', `Bearer ${T_OK}`);
        expect([boom.status, boom.headers['www-authenticate']]).toEqual([500, undefined]);
        const ok = await request(server).get('/ok').set('Authorization', `Bearer ${T_OK}`);
        expect([ok.status, ok.body]).toEqual([200, 'alice']);
      } finally {
        server.close();
      }
    });

    it('H-07: an authenticated 200 carries no public or s-maxage, errors carry no-store', async () => {
      const ok = await request(app).get('/r').set('Authorization', `Bearer ${T_OK}`);
      expect(ok.headers['cache-control']).toBeUndefined();
      expect((await request(app).get('/r')).headers['cache-control']).toBe('no-store');
    });

    it('handlers cannot change the stored record through req.auth', async () => {
      const store = new MemoryTokenStore(fixtureRecords());
      const mutating = express();
      mutating.use(tokenGuard({ store, clock: () => NOW }));
      mutating.get('/', (req, res) => {
        try {
          (req.auth?.accessToken.scopes as string[]).push('admin');
          res.status(500).end();
        } catch {
          res.status(200).end();
        }
      });
      expect((await request(mutating).get('/').set('Authorization', `Bearer ${T_OK}`)).status).toBe(200);
      expect(store.findByAccessTokenHash(hashToken(T_OK))?.scopes).toEqual(['read']);
    });
  });
});
