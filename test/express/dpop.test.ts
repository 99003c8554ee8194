import express = require('express');
import { once } from 'node:events';
import { request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type { Response } from 'supertest';
import {
  MemoryTokenStore,
  authErrorHandler,
  protectedResourceMetadata,
  requireAuthLevel,
  requireScopes,
  tokenGuard,
  type DpopOptions,
  type ReplayStore,
  type TokenGuardOptions,
} from '../../src/index.js';
import { ath, claimsOf, makeProof, proofKey, unsafeProof, withPayload, type ProofKey } from '../helpers/dpop.js';
import { C, HOUR, NOW, T_OK, record } from '../helpers/fixtures.js';
import { listen, rawRequest } from '../helpers/http.js';

// DPoP-bound tokens (RFC 9449): rows DP-01 to DP-26, H-01, H-03, H-06, S-05 and P-06 of
// ../shared/conformance.md. RS https://rs.example; the guard accepts ES256 and PS256, so that
// D0 is `DPoP algs="ES256 PS256"`. T_DPOP is bound to K1.

const T_DPOP = 'tok-DPOP_0123456789';
const T_DPOP_PWD = 'tok-DPOP-PWD_0123456789';
const ORIGIN = 'https://rs.example';
const D0 = 'DPoP algs="ES256 PS256"';
const DESCRIPTIONS = {
  invalid_dpop_proof: 'The DPoP proof is invalid',
  use_dpop_nonce: 'The resource server requires a nonce in the DPoP proof',
  invalid_token: 'The access token is invalid or has expired',
  invalid_request: 'The Authorization header appears more than once',
} as const;
const D = (error: keyof typeof DESCRIPTIONS, extra = '') => `DPoP error="${error}", error_description="${DESCRIPTIONS[error]}"${extra}, algs="ES256 PS256"`;
const SECONDS = (ms: number) => Math.floor(ms / 1000);

let k1: ProofKey;
let k2: ProofKey;
let now = NOW;
const clock = () => now;

beforeAll(async () => {
  [k1, k2] = await Promise.all([proofKey('ES256'), proofKey('ES256')]);
});
beforeEach(() => {
  now = NOW;
});

function appWith(dpop: Partial<DpopOptions> = {}, options: Partial<TokenGuardOptions<express.Request>> = {}) {
  const store = new MemoryTokenStore([
    record(T_OK, { subject: 'alice', scopes: ['read'] }),
    record(T_DPOP, { subject: 'dora', scopes: ['read'], cnf: { jkt: k1.jkt } }),
    record(T_DPOP_PWD, { subject: 'pat', scopes: ['read'], cnf: { jkt: k1.jkt }, acr: 'urn:pwd', authTime: NOW - HOUR }),
  ]);
  const guard = tokenGuard({ store, clock, dpop: { origin: ORIGIN, algorithms: ['ES256', 'PS256'], ...dpop }, ...options });
  const app = express();
  const answer = (req: express.Request, res: express.Response) => {
    res.json({ subject: req.auth?.subject ?? null });
  };
  const api = express.Router();
  api.get('/r', requireScopes('read'), answer);
  app.use('/api', guard, api);
  app.use(guard);
  app.get('/r', requireScopes('read'), answer);
  app.get('/admin', requireScopes('admin'), answer);
  app.get('/mfa', requireAuthLevel({ acrValues: ['urn:mfa'], maxAgeSeconds: 300 }), answer);
  app.use(authErrorHandler());
  return app;
}

/** Every WWW-Authenticate line of a response, in order. */
function challengeLines(res: Response): string[] {
  const raw = (res as unknown as { res: { rawHeaders: string[] } }).res.rawHeaders;
  const lines: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if ((raw[i] as string).toLowerCase() === 'www-authenticate') lines.push(raw[i + 1] as string);
  return lines;
}

async function dpopGet(app: express.Express, path: string, token: string, proof: string | string[] | undefined) {
  const req = request(app).get(path).set('Authorization', `DPoP ${token}`);
  // superagent sends an array as one header line per value; its types only allow that for Cookie.
  return proof === undefined ? req : req.set('DPoP', proof as string);
}

/** The status of a GET of `target` (a path, or an absolute-form target) with `headers`, sent as they are. */
async function send(server: Server, target: string, headers: Record<string, string>): Promise<number> {
  const { port } = server.address() as AddressInfo;
  const req = httpRequest({ host: '127.0.0.1', port, path: target, headers: { ...headers, host: 'evil' }, agent: false });
  req.end();
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  res.resume();
  return res.statusCode as number;
}

async function expectRefusal(res: Response, status: number, lines: string[]) {
  expect([res.status, challengeLines(res), res.headers['cache-control']]).toEqual([status, lines, 'no-store']);
}

describe('DPoP (RFC 9449) on an Express 5 app', () => {
  let app: express.Express;
  beforeAll(() => {
    app = appWith();
  });
  const proof = (options: Parameters<typeof makeProof>[2] = {}, key = k1) => makeProof(key, now, { token: T_DPOP, ...options });

  it('DP-01: accepts Authorization: DPoP with a valid proof', async () => {
    const res = await dpopGet(app, '/r', T_DPOP, await proof());
    expect([res.status, res.body]).toEqual([200, { subject: 'dora' }]);
  });

  it('DP-02: refuses the DPoP scheme without a DPoP header', async () => {
    await expectRefusal(await dpopGet(app, '/r', T_DPOP, undefined), 401, [C.C0, D('invalid_dpop_proof')]);
  });

  it('DP-03: refuses two DPoP header lines', async () => {
    const p1 = await proof();
    await expectRefusal(await dpopGet(app, '/r', T_DPOP, [p1, p1]), 401, [C.C0, D('invalid_dpop_proof')]);
  });

  it('DP-04: refuses a value that is not one compact JWS', async () => {
    for (const value of ['abc', 'a.b.c.d.e', 'a.b', `${await proof()}.x.y`]) {
      await expectRefusal(await dpopGet(app, '/r', T_DPOP, value), 401, [C.C0, D('invalid_dpop_proof')]);
    }
  });

  it('DP-05: refuses a proof without jti, htm, htu or iat', async () => {
    for (const claim of ['jti', 'htm', 'htu', 'iat']) {
      const res = await dpopGet(app, '/r', T_DPOP, await proof({ claims: { [claim]: undefined } }));
      await expectRefusal(res, 401, [C.C0, D('invalid_dpop_proof')]);
    }
  });

  it('DP-06: refuses a typ other than dpop+jwt, or none', async () => {
    for (const typ of ['JWT', undefined, 'application/dpop+jwt', 'DPOP+JWT']) {
      await expectRefusal(await dpopGet(app, '/r', T_DPOP, await proof({ header: { typ } })), 401, [C.C0, D('invalid_dpop_proof')]);
    }
  });

  it('DP-07: refuses alg none, a MAC, and an algorithm not listed', async () => {
    const claims = { jti: 'j', htm: 'GET', htu: `${ORIGIN}/r`, iat: SECONDS(now), ath: ath(T_DPOP) };
    const es512 = await proofKey('ES512');
    for (const value of [unsafeProof('none', claims, k1.jwk), unsafeProof('HS256', claims, { kty: 'oct', k: 'c2VjcmV0' }), unsafeProof('HS256', claims, k1.jwk), await proof({}, es512)]) {
      await expectRefusal(await dpopGet(app, '/r', T_DPOP, value), 401, [C.C0, D('invalid_dpop_proof')]);
    }
  });

  it('DP-08: refuses a proof whose signature does not verify', async () => {
    const p1 = await proof();
    const forged = withPayload(p1, { ...claimsOf(p1), jti: `${String(claimsOf(p1)['jti'])}x` });
    await expectRefusal(await dpopGet(app, '/r', T_DPOP, forged), 401, [C.C0, D('invalid_dpop_proof')]);
  });

  it('DP-09: refuses a jwk that holds the private key, or is not for signing with this alg', async () => {
    for (const jwk of [k1.privateJwk, { ...k1.jwk, use: 'enc' }, { ...k1.jwk, alg: 'ES384' }, { ...k1.jwk, crv: 'P-384' }, 'key', [k1.jwk]]) {
      await expectRefusal(await dpopGet(app, '/r', T_DPOP, await proof({ header: { jwk } })), 401, [C.C0, D('invalid_dpop_proof')]);
    }
    expect((await dpopGet(app, '/r', T_DPOP, await proof())).status).toBe(200);
  });

  it('DP-10: htm must equal the method exactly', async () => {
    for (const method of ['POST', 'get']) {
      await expectRefusal(await dpopGet(app, '/r', T_DPOP, await proof({ method })), 401, [C.C0, D('invalid_dpop_proof')]);
    }
  });

  it('DP-11: htu names the target without its query; another path is refused', async () => {
    const res = await dpopGet(app, '/r?x=1', T_DPOP, await proof({ uri: `${ORIGIN}/r` }));
    expect([res.status, res.body]).toEqual([200, { subject: 'dora' }]);
    const withQuery = await dpopGet(app, '/r?x=1', T_DPOP, await proof({ uri: `${ORIGIN}/r?y=2#f` }));
    expect(withQuery.status).toBe(200);
    await expectRefusal(await dpopGet(app, '/r', T_DPOP, await proof({ uri: `${ORIGIN}/other` })), 401, [C.C0, D('invalid_dpop_proof')]);
  });

  it('DP-12: htu is compared after syntax- and scheme-based normalisation', async () => {
    for (const uri of ['HTTPS://RS.EXAMPLE:443/%72', 'https://rs.example/a/../r', 'https://Rs.Example/%72']) {
      expect((await dpopGet(app, '/r', T_DPOP, await proof({ uri }))).status).toBe(200);
    }
  });

  it('DP-13: no laxer normalisation: a trailing slash, the path case, the port or the scheme count', async () => {
    for (const uri of [`${ORIGIN}/r/`, `${ORIGIN}/R`, 'https://rs.example:8443/r', 'http://rs.example/r', 'https://rs.example.evil/r', 'urn:x:/r']) {
      await expectRefusal(await dpopGet(app, '/r', T_DPOP, await proof({ uri })), 401, [C.C0, D('invalid_dpop_proof')]);
    }
  });

  it('DP-14: htu is built from the configured origin and originalUrl, never Host', async () => {
    const mounted = await dpopGet(app, '/api/r', T_DPOP, await proof({ uri: `${ORIGIN}/api/r` }));
    expect([mounted.status, mounted.body]).toEqual([200, { subject: 'dora' }]);
    const evil = await dpopGet(app, '/api/r', T_DPOP, await proof({ uri: 'https://evil/api/r' }));
    await expectRefusal(evil, 401, [C.C0, D('invalid_dpop_proof')]);
    const server = await listen(app);
    try {
      const forwarded = await send(server, '/api/r', { authorization: `DPoP ${T_DPOP}`, dpop: await proof({ uri: 'https://evil/api/r' }), 'x-forwarded-host': 'evil', 'x-forwarded-proto': 'https' });
      expect(forwarded).toBe(401);
      expect(await send(server, 'https://evil/r', { authorization: `DPoP ${T_DPOP}`, dpop: await proof({ uri: 'https://evil/r' }) })).toBe(401);
      expect(await send(server, 'https://evil/r', { authorization: `DPoP ${T_DPOP}`, dpop: await proof() })).toBe(200);
    } finally {
      server.close();
    }
  });

  it('DP-15: iat must lie within maxAgeSeconds before now, with clockToleranceSeconds either way', async () => {
    const at = (seconds: number) => proof({ iat: SECONDS(now) + seconds });
    for (const offset of [-600, -306, 6, 600]) {
      await expectRefusal(await dpopGet(app, '/r', T_DPOP, await at(offset)), 401, [C.C0, D('invalid_dpop_proof')]);
    }
    for (const offset of [-305, -5, 0, 5]) {
      expect((await dpopGet(app, '/r', T_DPOP, await at(offset))).status).toBe(200);
    }
  });

  it('DP-16: a proof is accepted once; an oversized jti is refused', async () => {
    const p1 = await proof();
    expect((await dpopGet(app, '/r', T_DPOP, p1)).status).toBe(200);
    await expectRefusal(await dpopGet(app, '/r', T_DPOP, p1), 401, [C.C0, D('invalid_dpop_proof')]);
    await expectRefusal(await dpopGet(app, '/r', T_DPOP, await proof({ jti: 'j'.repeat(10_000) })), 401, [C.C0, D('invalid_dpop_proof')]);
    await expectRefusal(await dpopGet(app, '/r', T_DPOP, await proof({ jti: 'j'.repeat(257) })), 401, [C.C0, D('invalid_dpop_proof')]);
    expect((await dpopGet(app, '/r', T_DPOP, await proof({ jti: 'j'.repeat(256) }))).status).toBe(200);
  });

  it('DP-17: ath must be base64url(SHA-256(token)), unpadded', async () => {
    const hex = Buffer.from(ath(T_DPOP), 'base64url').toString('hex');
    for (const value of [undefined, ath(T_OK), hex, `${ath(T_DPOP)}=`, Buffer.from(ath(T_DPOP), 'base64url').toString('base64')]) {
      await expectRefusal(await dpopGet(app, '/r', T_DPOP, await proof({ claims: { ath: value } })), 401, [C.C0, D('invalid_dpop_proof')]);
    }
  });

  it('DP-18: a valid proof signed by another key than the token is bound to is invalid_token', async () => {
    await expectRefusal(await dpopGet(app, '/r', T_DPOP, await proof({}, k2)), 401, [C.C0, D('invalid_token')]);
  });

  it('DP-19: the thumbprint uses the required members only, in order', async () => {
    const { x, y, crv, kty } = k1.jwk;
    const jwk = { y, kid: 'k1', x, use: 'sig', alg: 'ES256', crv, kty };
    expect((await dpopGet(app, '/r', T_DPOP, await proof({ header: { jwk } }))).status).toBe(200);
  });

  it('DP-20: the DPoP scheme with a token bound to no key is invalid_token', async () => {
    const res = await dpopGet(app, '/r', T_OK, await makeProof(k1, now, { token: T_OK }));
    await expectRefusal(res, 401, [C.C0, D('invalid_token')]);
  });

  it('DP-21: a DPoP-bound token sent as Bearer is refused, with or without a proof', async () => {
    const bare = await request(app).get('/r').set('Authorization', `Bearer ${T_DPOP}`);
    await expectRefusal(bare, 401, [C.invalidToken, D0]);
    const withProof = await request(app).get('/r').set('Authorization', `Bearer ${T_DPOP}`).set('DPoP', await proof());
    await expectRefusal(withProof, 401, [C.invalidToken, D0]);
  });

  it('DP-22/DP-23: no credentials get both challenges without error; a Bearer error goes in the Bearer one only', async () => {
    await expectRefusal(await request(app).get('/r'), 401, [C.C0, D0]);
    await expectRefusal(await request(app).get('/r').set('Authorization', 'Bearer junk'), 401, [C.invalidToken, D0]);
    await expectRefusal(await request(app).get('/r').set('Authorization', 'Basic dTpw'), 401, [C.C0, D0]);
    const bearer = await request(app).get('/r').set('Authorization', `Bearer ${T_OK}`);
    expect([bearer.status, bearer.body]).toEqual([200, { subject: 'alice' }]);
  });

  it('DP-24: Bearer and DPoP Authorization lines together are 400, both challenges invalid_request', async () => {
    const res = await request(app).get('/r').set('Authorization', [`Bearer ${T_OK}`, `DPoP ${T_DPOP}`] as unknown as string).set('DPoP', await proof());
    await expectRefusal(res, 400, [C.repeated, D('invalid_request')]);
  });

  it('a malformed DPoP credential is 400 invalid_request in the DPoP challenge', async () => {
    for (const value of ['DPoP', 'DPoP a b', 'DPoP a"b', 'dpop\ta']) {
      const res = await request(app).get('/r').set('Authorization', value).set('DPoP', await proof());
      await expectRefusal(res, 400, [C.C0, 'DPoP error="invalid_request", error_description="The Authorization header is not a valid DPoP credential", algs="ES256 PS256"']);
    }
  });

  it('H-03: the two challenges go on two WWW-Authenticate field lines', async () => {
    const server = await listen(app);
    try {
      const res = await rawRequest(server, ['GET /r HTTP/1.1']);
      expect(res.headers.filter(([name]) => name === 'www-authenticate')).toEqual([
        ['www-authenticate', C.C0],
        ['www-authenticate', D0],
      ]);
    } finally {
      server.close();
    }
  });

  it('H-06: Proxy-Authorization is ignored and no Proxy-Authenticate is sent', async () => {
    for (const value of [`Bearer ${T_OK}`, `DPoP ${T_DPOP}`]) {
      const res = await request(app).get('/r').set('Proxy-Authorization', value).set('DPoP', await proof());
      await expectRefusal(res, 401, [C.C0, D0]);
      expect(res.headers['proxy-authenticate']).toBeUndefined();
    }
  });

  it('403 and step-up refusals of a DPoP request go in the DPoP challenge (S-05)', async () => {
    const admin = await dpopGet(app, '/admin', T_DPOP, await proof({ uri: `${ORIGIN}/admin` }));
    const scope = 'DPoP error="insufficient_scope", error_description="The access token does not carry the scope this request requires", scope="admin", algs="ES256 PS256"';
    await expectRefusal(admin, 403, [C.C0, scope]);
    const mfa = await dpopGet(app, '/mfa', T_DPOP_PWD, await makeProof(k1, now, { token: T_DPOP_PWD, uri: `${ORIGIN}/mfa` }));
    const stepUp = 'DPoP error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="urn:mfa", max_age="300", algs="ES256 PS256"';
    await expectRefusal(mfa, 401, [C.C0, stepUp]);
  });

  it('an unknown or expired token with a valid proof is invalid_token in the DPoP challenge', async () => {
    const res = await dpopGet(app, '/r', 'tok-unknown', await makeProof(k1, now, { token: 'tok-unknown' }));
    await expectRefusal(res, 401, [C.C0, D('invalid_token')]);
  });

  it('DP-26: cross-origin responses expose WWW-Authenticate and DPoP-Nonce', async () => {
    const refused = await request(app).get('/r').set('Origin', 'https://app.example');
    expect(refused.headers['access-control-expose-headers']).toBe('WWW-Authenticate, DPoP-Nonce');
    const cors = express();
    cors.use((_req, res, next) => {
      res.setHeader('Access-Control-Expose-Headers', 'X-Request-Id, www-authenticate');
      next();
    });
    cors.use(app);
    const sameOrigin = await dpopGet(cors, '/r', T_DPOP, await proof());
    expect([sameOrigin.status, sameOrigin.headers['access-control-expose-headers']]).toEqual([200, 'X-Request-Id, www-authenticate']);
    const okCross = await request(cors).get('/r').set('Origin', 'https://app.example').set('Authorization', `DPoP ${T_DPOP}`).set('DPoP', await proof());
    expect([okCross.status, okCross.headers['access-control-expose-headers']]).toEqual([200, 'X-Request-Id, www-authenticate, DPoP-Nonce']);
  });
});

describe('DPoP nonces (DP-25, DP-26)', () => {
  const secret = 'a-secret-shared-by-every-instance-0123456789';
  const nonceOf = (res: Response) => res.headers['dpop-nonce'] as string | undefined;

  it('DP-25: no nonce, a garbage one or a stale one get use_dpop_nonce and exactly one DPoP-Nonce; the issued one is accepted', async () => {
    const app = appWith({ nonce: true });
    const first = await dpopGet(app, '/r', T_DPOP, await makeProof(k1, now, { token: T_DPOP }));
    await expectRefusal(first, 401, [C.C0, D('use_dpop_nonce')]);
    const n1 = nonceOf(first) as string;
    expect(n1).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect((first as unknown as { res: { rawHeaders: string[] } }).res.rawHeaders.filter((name) => name.toLowerCase() === 'dpop-nonce')).toHaveLength(1);
    const ok = await dpopGet(app, '/r', T_DPOP, await makeProof(k1, now, { token: T_DPOP, nonce: n1 }));
    expect([ok.status, ok.body, nonceOf(ok)]).toEqual([200, { subject: 'dora' }, undefined]);
    const garbage = await dpopGet(app, '/r', T_DPOP, await makeProof(k1, now, { token: T_DPOP, nonce: 'garbage' }));
    await expectRefusal(garbage, 401, [C.C0, D('use_dpop_nonce')]);
    expect(nonceOf(garbage)).toBe(n1);
    const otherKey = await dpopGet(app, '/r', T_DPOP, await makeProof(k2, now, { token: T_DPOP, nonce: n1 }));
    await expectRefusal(otherKey, 401, [C.C0, D('use_dpop_nonce')]);
    expect(nonceOf(otherKey)).not.toBe(n1);
  });

  it('nonces rotate: one lifetime later a fresh DPoP-Nonce comes with the 200; two lifetimes later it is refused', async () => {
    const app = appWith({ nonce: { lifetimeSeconds: 60 } });
    now = Math.floor(NOW / 60_000) * 60_000;
    const n1 = nonceOf(await dpopGet(app, '/r', T_DPOP, await makeProof(k1, now, { token: T_DPOP }))) as string;
    now += 59_999;
    const same = await dpopGet(app, '/r', T_DPOP, await makeProof(k1, now, { token: T_DPOP, nonce: n1 }));
    expect([same.status, nonceOf(same), same.headers['cache-control']]).toEqual([200, undefined, undefined]);
    now += 1;
    const rotated = await dpopGet(app, '/r', T_DPOP, await makeProof(k1, now, { token: T_DPOP, nonce: n1 }));
    const n2 = nonceOf(rotated) as string;
    expect([rotated.status, rotated.headers['cache-control'], n2 !== n1]).toEqual([200, 'no-store', true]);
    now += 60_000;
    const stale = await dpopGet(app, '/r', T_DPOP, await makeProof(k1, now, { token: T_DPOP, nonce: n1 }));
    await expectRefusal(stale, 401, [C.C0, D('use_dpop_nonce')]);
    expect((await dpopGet(app, '/r', T_DPOP, await makeProof(k1, now, { token: T_DPOP, nonce: n2 }))).status).toBe(200);
  });

  it('instances that share the secret accept each other\'s nonces; others do not', async () => {
    const shared = new MemoryTokenStore([record(T_DPOP, { subject: 'dora', scopes: ['read'], cnf: { jkt: k1.jkt } })]);
    const instance = (nonceSecret: string) => {
      const app = express();
      app.use(tokenGuard({ store: shared, clock, sendErrors: true, dpop: { origin: ORIGIN, nonce: { secret: nonceSecret } } }));
      app.get('/r', (req, res) => res.json({ subject: req.auth?.subject }));
      return app;
    };
    const [a, b, c] = [instance(secret), instance(secret), instance(`${secret}-other`)];
    const n1 = nonceOf(await dpopGet(a, '/r', T_DPOP, await makeProof(k1, now, { token: T_DPOP }))) as string;
    expect((await dpopGet(b, '/r', T_DPOP, await makeProof(k1, now, { token: T_DPOP, nonce: n1 }))).status).toBe(200);
    expect((await dpopGet(c, '/r', T_DPOP, await makeProof(k1, now, { token: T_DPOP, nonce: n1 }))).status).toBe(401);
  });
});

describe('dpop options', () => {
  it('required: only DPoP tokens; a Bearer one is refused and no Bearer challenge is sent', async () => {
    const app = appWith({ required: true });
    await expectRefusal(await request(app).get('/r').set('Authorization', `Bearer ${T_OK}`), 401, [D0]);
    await expectRefusal(await request(app).get('/r'), 401, [D0]);
    await expectRefusal(await request(app).get('/r').set('Authorization', 'Bearer a b'), 400, [
      'DPoP error="invalid_request", error_description="The Authorization header is not a valid Bearer credential", algs="ES256 PS256"',
    ]);
    const ok = await dpopGet(app, '/r', T_DPOP, await makeProof(k1, now, { token: T_DPOP }));
    expect([ok.status, ok.body]).toEqual([200, { subject: 'dora' }]);
    await expectRefusal(await dpopGet(app, '/r', T_DPOP, undefined), 401, [D('invalid_dpop_proof')]);
  });

  it('sendErrors answers DPoP refusals with both challenges too', async () => {
    const app = appWith({}, { sendErrors: true });
    const res = await dpopGet(app, '/r', T_DPOP, undefined);
    await expectRefusal(res, 401, [C.C0, D('invalid_dpop_proof')]);
    expect(res.body).toEqual({ error: 'invalid_dpop_proof', error_description: DESCRIPTIONS.invalid_dpop_proof });
  });

  it('the default algorithms are ES256, ES384, EdDSA, PS256, RS256 and an RS256 or EdDSA proof verifies', async () => {
    const store = new MemoryTokenStore();
    const rs = await proofKey('RS256');
    const ed = await proofKey('EdDSA');
    await store.saveMany([record('tok-rs', { cnf: { jkt: rs.jkt } }), record('tok-ed', { cnf: { jkt: ed.jkt } })]);
    const app = express();
    app.use(tokenGuard({ store, clock, dpop: { origin: ORIGIN } }));
    app.get('/r', (_req, res) => res.json({ ok: true }));
    const refused = await request(app).get('/r');
    expect(challengeLines(refused)).toEqual([C.C0, 'DPoP algs="ES256 ES384 EdDSA PS256 RS256"']);
    expect((await dpopGet(app, '/r', 'tok-rs', await makeProof(rs, now, { token: 'tok-rs' }))).status).toBe(200);
    expect((await dpopGet(app, '/r', 'tok-ed', await makeProof(ed, now, { token: 'tok-ed' }))).status).toBe(200);
  });

  it('a replay store that throws, rejects or answers nonsense refuses with 503; its answer true refuses the proof', async () => {
    const answers: Array<() => ReturnType<ReplayStore['seen']>> = [
      () => {
        throw new Error('down');
      },
      () => Promise.reject(new Error('down')),
      () => 'yes' as unknown as boolean,
    ];
    for (const answer of answers) {
      const res = await dpopGet(appWith({ replayStore: { seen: answer } }), '/r', T_DPOP, await makeProof(k1, now, { token: T_DPOP }));
      expect([res.status, challengeLines(res)]).toEqual([503, [C.C0, D0]]);
    }
    const calls: Array<[string, number]> = [];
    const replayStore: ReplayStore = {
      seen: (jti, expiresAt) => {
        calls.push([jti, expiresAt]);
        return calls.length > 1;
      },
    };
    const app = appWith({ replayStore, maxAgeSeconds: 60, clockToleranceSeconds: 2 });
    const p1 = await makeProof(k1, now, { token: T_DPOP });
    expect((await dpopGet(app, '/r', T_DPOP, p1)).status).toBe(200);
    await expectRefusal(await dpopGet(app, '/r', T_DPOP, await makeProof(k1, now, { token: T_DPOP })), 401, [C.C0, D('invalid_dpop_proof')]);
    expect(calls[0]).toEqual([expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), (SECONDS(now) + 62) * 1000]);
    expect(calls[0]?.[0]).not.toContain(String(claimsOf(p1)['jti']));
  });

  it('a proof that fails is never given to the replay store', async () => {
    const seen: string[] = [];
    const app = appWith({ replayStore: { seen: (jti) => (seen.push(jti), false) } });
    await dpopGet(app, '/r', T_DPOP, await makeProof(k2, now, { token: T_DPOP }));
    await dpopGet(app, '/r', T_DPOP, await makeProof(k1, now, { token: T_DPOP, method: 'POST' }));
    expect(seen).toEqual([]);
  });

  it.each([
    [{ origin: 'https://rs.example/api' }, 'tokenGuard: options.dpop.origin must be an origin only'],
    [{ origin: 'http://rs.example' }, 'tokenGuard: options.dpop.origin must be an https URL'],
    [{}, 'tokenGuard: options.dpop.origin is required'],
    [{ origin: ORIGIN, algorithms: ['none'] }, 'tokenGuard: options.dpop.algorithms must not hold "none"'],
    [{ origin: ORIGIN, algorithms: ['HS256'] }, 'tokenGuard: options.dpop.algorithms must not hold "HS256"'],
    [{ origin: ORIGIN, algorithms: ['ES256K'] }, 'tokenGuard: options.dpop.algorithms: "ES256K" is not an algorithm it takes'],
    [{ origin: ORIGIN, algorithms: [] }, 'tokenGuard: options.dpop.algorithms must be a non-empty array'],
    [{ origin: ORIGIN, maxAgeSeconds: 0 }, 'tokenGuard: options.dpop.maxAgeSeconds must be a whole number of seconds, 1 or more'],
    [{ origin: ORIGIN, clockToleranceSeconds: -1 }, 'tokenGuard: options.dpop.clockToleranceSeconds must be a whole number of seconds, 0 or more'],
    [{ origin: ORIGIN, nonce: { secret: 'short' } }, 'tokenGuard: options.dpop.nonce.secret must be at least 32 bytes'],
    [{ origin: ORIGIN, nonce: { lifetime: 60 } }, 'tokenGuard: options.dpop.nonce: unknown option "lifetime"'],
    [{ origin: ORIGIN, nonce: 'yes' }, 'tokenGuard: options.dpop.nonce must be true or { lifetimeSeconds?, secret? }'],
    [{ origin: ORIGIN, replayStore: {} }, 'tokenGuard: options.dpop.replayStore must be an object with a seen(jti, expiresAt) method'],
    [{ origin: ORIGIN, required: 'yes' }, 'tokenGuard: options.dpop.required must be true or false'],
    [{ origin: ORIGIN, htu: 'x' }, 'tokenGuard: options.dpop: unknown option "htu"'],
  ])('checks %j when the guard is made', (dpop, message) => {
    expect(() => tokenGuard({ store: new MemoryTokenStore(), dpop: dpop as DpopOptions })).toThrow(message);
  });

  it('required refuses the Bearer methods allowFormBody and allowQuery', () => {
    expect(() => tokenGuard({ store: new MemoryTokenStore(), allowFormBody: true, dpop: { origin: ORIGIN, required: true } })).toThrow(
      'tokenGuard: options.dpop.required accepts DPoP tokens only, so allowFormBody and allowQuery (Bearer methods) must be off',
    );
  });
});

describe('P-06 / DP-22: the metadata document says what the guard enforces', () => {
  it('dpop_signing_alg_values_supported equals the challenge algs; dpop_bound_access_tokens_required follows required', async () => {
    for (const required of [false, true]) {
      const dpop: DpopOptions = { origin: ORIGIN, algorithms: ['ES256', 'PS256'], required };
      const app = express();
      app.use(protectedResourceMetadata({ resource: ORIGIN, authorizationServers: ['https://as.example'], dpop }));
      app.use(tokenGuard({ store: new MemoryTokenStore(), dpop }));
      const document = await request(app).get('/.well-known/oauth-protected-resource');
      expect(document.body).toEqual({
        resource: ORIGIN,
        authorization_servers: ['https://as.example'],
        bearer_methods_supported: ['header'],
        dpop_signing_alg_values_supported: ['ES256', 'PS256'],
        dpop_bound_access_tokens_required: required,
      });
      const refused = await request(app).get('/r');
      const dpopChallenge = challengeLines(refused).find((line) => line.startsWith('DPoP '));
      expect(dpopChallenge).toBe(`DPoP algs="${(document.body as { dpop_signing_alg_values_supported: string[] }).dpop_signing_alg_values_supported.join(' ')}"`);
    }
  });
});

it('H-01: every kind of 401, on the DPoP and the Bearer paths, with next(err) or sendErrors, carries a challenge', async () => {
  const responses: Response[] = [];
  for (const app of [appWith(), appWith({ nonce: true }, { sendErrors: true }), appWith({ required: true })]) {
    const p = (options: Parameters<typeof makeProof>[2] = {}, key = k1) => makeProof(key, now, { token: T_DPOP, ...options });
    responses.push(
      await request(app).get('/r'),
      await request(app).get('/r').set('Authorization', 'Basic dTpw'),
      await request(app).get('/r').set('Authorization', `Bearer ${T_DPOP}`),
      await request(app).get('/r').set('Authorization', 'Bearer junk'),
      await dpopGet(app, '/r', T_DPOP, undefined),
      await dpopGet(app, '/r', T_DPOP, await p({}, k2)),
      await dpopGet(app, '/r', T_DPOP, await p({ iat: 0 })),
      await dpopGet(app, '/r', T_OK, await makeProof(k1, now, { token: T_OK })),
      await dpopGet(app, '/mfa', T_DPOP_PWD, await makeProof(k1, now, { token: T_DPOP_PWD, uri: `${ORIGIN}/mfa` })),
    );
  }
  expect(responses.map((res) => res.status).every((status) => status === 401)).toBe(true);
  expect(responses.filter((res) => challengeLines(res).length === 0)).toEqual([]);
});
