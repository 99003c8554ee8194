import request from 'supertest';
import { MemoryTokenStore, authErrorHandler, requireAuthLevel, requireScopes, tokenGuard, type AuthLevelOptions } from '../../src/index.js';
import { flavours } from '../helpers/apps.js';
import { C, NOW, record } from '../helpers/fixtures.js';

// Step-up authentication (RFC 9470): rows S-01 to S-04 and S-06 of ../shared/conformance.md.
// /mfa needs acr urn:mfa and max_age 300; T_PWD has acr urn:pwd and authenticated an hour ago.

const T_PWD = 'tok-PWD_0123456789';
const T_MFA = 'tok-MFA_0123456789';
const T_HW = 'tok-HW_0123456789';
const T_STALE_MFA = 'tok-STALE-MFA_0123456789';
const T_NO_AUTH_TIME = 'tok-NO-AUTH-TIME_0123456789';
const T_NO_ACR = 'tok-NO-ACR_0123456789';
const MINUTE = 60_000;
const DESCRIPTION = 'A different authentication level is required';
const stepUp = (params: string, realm = 'api') =>
  `Bearer realm="${realm}", error="insufficient_user_authentication", error_description="${DESCRIPTION}"${params}`;

const store = new MemoryTokenStore([
  record(T_PWD, { scopes: ['read'], acr: 'urn:pwd', authTime: NOW - 60 * MINUTE }),
  record(T_MFA, { scopes: ['read'], acr: 'urn:mfa', authTime: NOW - MINUTE }),
  record(T_HW, { scopes: ['read'], acr: 'urn:hw', authTime: NOW - 5 * MINUTE }),
  record(T_STALE_MFA, { scopes: ['read'], acr: 'urn:mfa', authTime: NOW - 5 * MINUTE - 1 }),
  record(T_NO_AUTH_TIME, { scopes: ['read'], acr: 'urn:mfa' }),
  record(T_NO_ACR, { scopes: [], authTime: NOW }),
]);

describe.each(flavours)('requireAuthLevel on $name', ({ express }) => {
  const app = express();
  app.use(tokenGuard({ store, clock: () => NOW }));
  const ok = (_req: unknown, res: { json(body: unknown): void }) => res.json({ ok: true });
  app.get('/mfa', requireAuthLevel({ acrValues: ['urn:mfa'], maxAgeSeconds: 300 }), ok);
  app.get('/either', requireAuthLevel({ acrValues: ['urn:mfa', 'urn:hw'] }), ok);
  app.get('/fresh', requireAuthLevel({ maxAgeSeconds: 300 }), ok);
  app.get('/mfa-read', requireAuthLevel({ acrValues: ['urn:mfa'] }), requireScopes('read'), ok);
  app.use(authErrorHandler());
  const ask = async (path: string, token?: string) => {
    const req = request(app).get(path);
    const res = await (token === undefined ? req : req.set('Authorization', `Bearer ${token}`));
    return [res.status, res.headers['www-authenticate']];
  };

  it('S-01: an acr below the requirement is 401 insufficient_user_authentication with acr_values', async () => {
    expect(await ask('/either', T_PWD)).toEqual([401, stepUp(', acr_values="urn:mfa urn:hw"')]);
  });

  it('S-02: an auth_time older than max_age puts max_age (seconds) in the challenge', async () => {
    expect(await ask('/fresh', T_PWD)).toEqual([401, stepUp(', max_age="300"')]);
    expect(await ask('/mfa', T_STALE_MFA)).toEqual([401, stepUp(', max_age="300"')]);
  });

  it('S-03: a token failing both gets one challenge with acr_values and max_age, each once', async () => {
    const [status, challenge] = await ask('/mfa', T_PWD);
    expect([status, challenge]).toEqual([401, stepUp(', acr_values="urn:mfa", max_age="300"')]);
    expect((challenge as string).match(/acr_values=/g)).toHaveLength(1);
  });

  it('S-04: acr_values lists the choices in order; any one of them satisfies the route', async () => {
    expect(await ask('/either', T_HW)).toEqual([200, undefined]);
    expect(await ask('/either', T_MFA)).toEqual([200, undefined]);
  });

  it('passes a token that meets both, with authTime exactly max_age ago', async () => {
    expect(await ask('/mfa', T_MFA)).toEqual([200, undefined]);
    expect(await ask('/fresh', T_HW)).toEqual([200, undefined]);
  });

  it('S-06: step-up is checked only once the token is valid; no auth_time under max_age, or no acr, asks for step-up', async () => {
    expect(await ask('/mfa', 'tok-UNKNOWN_0123456789')).toEqual([401, C.invalidToken]);
    expect(await ask('/mfa')).toEqual([401, C.C0]);
    expect(await ask('/fresh', T_NO_AUTH_TIME)).toEqual([401, stepUp(', max_age="300"')]);
    expect(await ask('/either', T_NO_ACR)).toEqual([401, stepUp(', acr_values="urn:mfa urn:hw"')]);
  });

  it('mounted before requireScopes, its 401 comes first', async () => {
    expect(await ask('/mfa-read', T_NO_ACR)).toEqual([401, stepUp(', acr_values="urn:mfa"')]);
  });

  it('measures max_age with the clock of the guard that authenticated the request, and answers with its realm', async () => {
    let now = NOW;
    const timed = express();
    timed.use(tokenGuard({ store, clock: () => now, realm: 'bank' }));
    timed.get('/fresh', requireAuthLevel({ maxAgeSeconds: 60 }), ok);
    const status = async () => {
      const res = await request(timed).get('/fresh').set('Authorization', `Bearer ${T_MFA}`);
      return [res.status, res.headers['www-authenticate']];
    };
    expect(await status()).toEqual([200, undefined]);
    now += 1;
    expect(await status()).toEqual([401, stepUp(', max_age="60"', 'bank')]);
  });

  it('answers a request no guard authenticated with a plain 401', async () => {
    const bare = express();
    bare.get('/mfa', requireAuthLevel({ acrValues: ['urn:mfa'] }), ok);
    const res = await request(bare).get('/mfa');
    expect([res.status, res.headers['www-authenticate']]).toEqual([401, C.C0]);
  });
});

describe('requireAuthLevel options', () => {
  it.each([
    [undefined, 'requireAuthLevel: options must be an object, e.g. { acrValues: [\'urn:mfa\'], maxAgeSeconds: 300 }'],
    [{}, 'requireAuthLevel: options need acrValues, maxAgeSeconds or both'],
    [{ maxAge: 5 }, 'requireAuthLevel: unknown option "maxAge" (it takes acrValues, maxAgeSeconds)'],
    [{ maxAgeSeconds: -1 }, 'requireAuthLevel: options.maxAgeSeconds must be a whole number of seconds, 0 or more'],
    [{ maxAgeSeconds: 1.5 }, 'requireAuthLevel: options.maxAgeSeconds must be a whole number of seconds, 0 or more'],
    [{ acrValues: 'urn:mfa' }, 'requireAuthLevel: options.acrValues must be an array of scope strings'],
    [{ acrValues: [] }, 'requireAuthLevel: options.acrValues'],
    [{ acrValues: ['urn "mfa"'] }, 'requireAuthLevel: options.acrValues'],
  ])('refuses %j with a TypeError naming it', (options, message) => {
    expect(() => requireAuthLevel(options as unknown as AuthLevelOptions)).toThrow(message);
  });
});
