import express = require('express');
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import {
  MemoryTokenStore,
  UpstreamError,
  authErrorHandler,
  cachedStore,
  hashToken,
  jwtAccessTokenStore,
  requireScopes,
  tokenGuard,
  type AuthInfo,
  type JwtAccessTokenStoreOptions,
  type TokenResolver,
} from '../../src/index.js';
import { C, NOW, record } from '../helpers/fixtures.js';

// JWT access tokens (RFC 9068), rows J-01 to J-06, verified with jose against keys made here; the
// remote key set is served by a loopback server.

const ISSUER = 'https://as.example';
const AUDIENCE = 'https://rs.example';
const SEC = NOW / 1000;
let rsa: { privateKey: CryptoKey; publicKey: CryptoKey };
let ec: { privateKey: CryptoKey; publicKey: CryptoKey };
let other: { privateKey: CryptoKey; publicKey: CryptoKey };
let jwks: { keys: JWK[] };
let jwksServer: Server;
let jwksCalls = 0;
let jwksDown = false;

beforeAll(async () => {
  [rsa, ec, other] = await Promise.all([generateKeyPair('RS256'), generateKeyPair('ES256'), generateKeyPair('ES256')]);
  jwks = { keys: [{ ...(await exportJWK(rsa.publicKey)), kid: 'rsa', alg: 'RS256' }, { ...(await exportJWK(ec.publicKey)), kid: 'ec', alg: 'ES256' }] };
  jwksServer = createServer((_req, res) => {
    jwksCalls++;
    if (jwksDown) res.writeHead(500).end();
    else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
  }).listen(0, '127.0.0.1');
  await once(jwksServer, 'listening');
});
afterAll(() => {
  jwksServer.closeAllConnections();
  jwksServer.close();
});

const claims = (more: Record<string, unknown> = {}) => ({
  iss: ISSUER,
  aud: AUDIENCE,
  sub: 'alice',
  client_id: 's6BhdRkqt3',
  iat: SEC - 60,
  exp: SEC + 3600,
  jti: 'jti-0123456789',
  scope: 'read',
  ...more,
});
async function sign(payload: Record<string, unknown> = claims(), { alg = 'ES256', kid = 'ec', typ = 'at+jwt', key = ec.privateKey as CryptoKey | Uint8Array } = {}) {
  return new SignJWT(payload).setProtectedHeader({ alg, kid, typ }).sign(key);
}
const base = (more: Partial<JwtAccessTokenStoreOptions> = {}): JwtAccessTokenStoreOptions => ({
  issuer: ISSUER,
  audience: AUDIENCE,
  jwks,
  algorithms: ['RS256', 'ES256'],
  clock: () => NOW,
  ...more,
});

function appOn(store: TokenResolver, seen: AuthInfo[] = []) {
  const causes: unknown[] = [];
  const app = express();
  app.use(tokenGuard({ store, clock: () => NOW }));
  app.get('/r', requireScopes('read'), (req, res) => {
    seen.push(req.auth as AuthInfo);
    res.json({ subject: req.auth?.subject });
  });
  app.get('/admin', requireScopes('admin'), (_req, res) => {
    res.end();
  });
  app.use((error: { cause?: unknown; reason?: unknown }, _req: unknown, _res: unknown, next: (error: unknown) => void) => {
    causes.push(error.cause ?? error.reason);
    next(error);
  });
  app.use(authErrorHandler());
  return { app, causes };
}
const ask = async (app: express.Express, token: string, path = '/r') => {
  const res = await request(app).get(path).set('Authorization', `Bearer ${token}`);
  return [res.status, res.headers['www-authenticate']];
};

describe('jwtAccessTokenStore', () => {
  it('maps a verified at+jwt to req.auth: sub, client_id, scope, exp, iat, acr, auth_time, aud; the payload is claims', async () => {
    const seen: AuthInfo[] = [];
    const { app } = appOn(jwtAccessTokenStore(base()), seen);
    const token = await sign(claims({ client_id: '1001', acr: 'urn:mfa', auth_time: SEC - 30, aud: [AUDIENCE, 'x'] }));
    expect(await ask(app, token)).toEqual([200, undefined]);
    const [auth] = seen as [AuthInfo];
    expect({ subject: auth.subject, clientId: auth.clientId, clientIdentifier: auth.clientIdentifier, scopes: auth.scopes, expiresAt: auth.expiresAt, acr: auth.acr, authTime: auth.authTime, audience: auth.audience }).toEqual({
      subject: 'alice',
      clientId: 1001,
      clientIdentifier: '1001',
      scopes: ['read'],
      expiresAt: NOW + 3_600_000,
      acr: 'urn:mfa',
      authTime: NOW - 30_000,
      audience: [AUDIENCE, 'x'],
    });
    expect(auth.claims).toMatchObject({ jti: 'jti-0123456789', iss: ISSUER });
  });

  it.each([
    ['J-01: an ID token (typ JWT)', () => sign(claims(), { typ: 'JWT' })],
    ['J-02: iss with an extra trailing slash', () => sign(claims({ iss: `${ISSUER}/` }))],
    ['J-03: aud of another resource server', () => sign(claims({ aud: 'https://other.example' }))],
    ['J-04: alg none', async () => `${Buffer.from('{"alg":"none","typ":"at+jwt"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims())).toString('base64url')}.`],
    ['J-04: HS256 keyed with the RSA public key', async () => sign(claims(), { alg: 'HS256', kid: 'rsa', key: new TextEncoder().encode(JSON.stringify(await exportJWK(rsa.publicKey))) })],
    ['J-04: a key not in the set', () => sign(claims(), { key: other.privateKey })],
    ['J-05: expired', () => sign(claims({ exp: SEC - 1 }))],
    ['J-05: no client_id', () => sign(claims({ client_id: undefined }))],
    ['J-05: no jti', () => sign(claims({ jti: undefined }))],
    ['an opaque token', async () => 'not-a-jwt_0123456789'],
  ])('%s → 401 invalid_token', async (_name, make) => {
    const { app, causes } = appOn(jwtAccessTokenStore(base()));
    expect(await ask(app, await make())).toEqual([401, C.invalidToken]);
    expect(causes).toEqual(['invalid_jwt']);
  });

  it('J-01: accepts typ application/at+jwt too', async () => {
    expect(await ask(appOn(jwtAccessTokenStore(base())).app, await sign(claims(), { typ: 'application/at+jwt' }))).toEqual([200, undefined]);
  });

  it('J-06: the scope claim decides 403; a cnf.jkt-bound JWT sent as Bearer is 401, as a bound record is', async () => {
    const { app } = appOn(jwtAccessTokenStore(base()));
    expect((await ask(app, await sign(), '/admin'))[0]).toBe(403);
    expect(await ask(app, await sign(claims({ cnf: { jkt: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs' } })))).toEqual([401, C.invalidToken]);
  });

  it('verifies HS256 with a secret', async () => {
    const secret = 'a-shared-secret-of-at-least-32-bytes!!';
    const store = jwtAccessTokenStore(base({ jwks: undefined, secret, algorithms: ['HS256'] }));
    const token = await sign(claims(), { alg: 'HS256', key: new TextEncoder().encode(secret) });
    expect(await ask(appOn(store).app, token)).toEqual([200, undefined]);
  });

  it('fetches and caches a remote key set; a key set that cannot be fetched is 503 with an UpstreamError', async () => {
    const { port } = jwksServer.address() as AddressInfo;
    jwksCalls = 0;
    const { app } = appOn(jwtAccessTokenStore(base({ jwks: undefined, jwksUri: `http://127.0.0.1:${port}/jwks` })));
    for (let i = 0; i < 3; i++) expect(await ask(app, await sign())).toEqual([200, undefined]);
    expect(jwksCalls).toBe(1);
    jwksDown = true;
    try {
      const fresh = appOn(jwtAccessTokenStore(base({ jwks: undefined, jwksUri: `http://127.0.0.1:${port}/jwks` })));
      expect(await ask(fresh.app, await sign())).toEqual([503, C.C0]);
      expect(fresh.causes[0]).toBeInstanceOf(UpstreamError);
    } finally {
      jwksDown = false;
    }
  });

  it('with records: no record under hashToken(jti), no access; the record decides scopes and properties, and the earlier expiry wins', async () => {
    const records = new MemoryTokenStore([
      record('jti-stored', { subject: 'stored', scopes: ['admin'], properties: [{ key: 'plan', value: 'gold', hidden: true }], accessTokenExpiresAt: NOW + 60_000 }),
    ]);
    const seen: AuthInfo[] = [];
    const { app, causes } = appOn(jwtAccessTokenStore(base({ records })), seen);
    expect(await ask(app, await sign(claims({ jti: 'jti-unknown' })))).toEqual([401, C.invalidToken]);
    expect(causes).toEqual(['unknown']);
    const token = await sign(claims({ jti: 'jti-stored', scope: 'read' }));
    expect((await ask(app, token, '/admin'))[0]).toBe(200);
    expect((await ask(app, token, '/r'))[0]).toBe(403);
    const direct = await jwtAccessTokenStore(base({ records })).resolveAccessToken(token);
    expect([direct?.subject, direct?.accessTokenExpiresAt, direct?.properties, direct?.accessTokenHash]).toEqual([
      'stored',
      NOW + 60_000,
      [{ key: 'plan', value: 'gold', hidden: true }],
      hashToken('jti-stored'),
    ]);
    expect(seen).toHaveLength(0);
  });

  it('with cachedStore, one verification serves many requests', async () => {
    let verified = 0;
    const inner = jwtAccessTokenStore(base());
    const store = cachedStore({ resolveAccessToken: (token: string) => (verified++, inner.resolveAccessToken(token)) }, { clock: () => NOW });
    const { app } = appOn(store);
    const token = await sign();
    for (let i = 0; i < 5; i++) expect((await ask(app, token))[0]).toBe(200);
    expect(verified).toBe(1);
  });

  it.each([
    [{ algorithms: ['none'] }, 'jwtAccessTokenStore: options.algorithms must not contain "none"'],
    [{ algorithms: ['HS256', 'RS256'] }, 'jwtAccessTokenStore: HS256, HS384 and HS512 need options.secret, never a public key set'],
    [{ jwks: undefined, secret: 's', algorithms: ['RS256'] }, 'jwtAccessTokenStore: with options.secret, options.algorithms may only hold HS256, HS384 or HS512'],
    [{ jwksUri: 'https://as.example/jwks' }, 'jwtAccessTokenStore: give exactly one of options.jwks, options.jwksUri and options.secret'],
    [{ jwks: undefined, jwksUri: 'http://as.example/jwks' }, 'jwtAccessTokenStore: options.jwksUri must be an https URL'],
    [{ algorithms: [] }, "jwtAccessTokenStore: options.algorithms must be a non-empty array of algorithm names, e.g. ['RS256']"],
    [{ issuer: '' }, 'jwtAccessTokenStore: options.issuer must be the issuer identifier (a non-empty string)'],
    [{ typ: 'at+jwt' }, 'jwtAccessTokenStore: unknown option "typ"'],
  ])('checks its options: %j', (more, message) => {
    expect(() => jwtAccessTokenStore(base(more as Partial<JwtAccessTokenStoreOptions>))).toThrow(message);
  });
});
