import request from 'supertest';
import { MemoryTokenStore, authErrorHandler, requireScopes, tokenGuard, type AuthInfo, type TokenGuardOptions } from '../../src/index.js';
import { flavours } from '../helpers/apps.js';
import { C, NOW, record } from '../helpers/fixtures.js';

// The record extensions (cnf, acr, authTime, audience) at the guard: audience is checked, a binding
// the guard cannot check refuses the token, and req.auth shows them.

const T_AUD = 'tok-AUD_0123456789';
const T_OURS = 'tok-OURS_0123456789';
const T_DPOP = 'tok-DPOP_0123456789';
const T_MTLS = 'tok-MTLS_0123456789';
const T_PWD = 'tok-PWD_0123456789';
const T_PLAIN = 'tok-PLAIN_0123456789';
const US = 'https://api.example.com';

const store = new MemoryTokenStore([
  record(T_AUD, { subject: 'a', scopes: ['read'], audience: ['https://other.example.com'] }),
  record(T_OURS, { subject: 'o', scopes: ['read'], audience: ['https://other.example.com', US] }),
  record(T_DPOP, { subject: 'd', scopes: ['read'], cnf: { jkt: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs' } }),
  record(T_MTLS, { subject: 'm', scopes: ['read'], cnf: { 'x5t#S256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2' } }),
  record(T_PWD, { subject: 'p', scopes: ['read'], acr: 'urn:pwd', authTime: NOW - 3_600_000 }),
  record(T_PLAIN, { subject: 'n', scopes: ['read'] }),
]);

describe.each(flavours)('record extensions at the guard, on $name', ({ express }) => {
  function appWith(options: Partial<TokenGuardOptions> = {}) {
    const seen: AuthInfo[] = [];
    const reasons: unknown[] = [];
    const app = express();
    app.use(tokenGuard({ store, clock: () => NOW, ...options }));
    app.get('/r', requireScopes('read'), (req, res) => {
      seen.push(req.auth as AuthInfo);
      res.json({ subject: req.auth?.subject });
    });
    app.use((error: { reason?: unknown }, _req: unknown, _res: unknown, next: (error: unknown) => void) => {
      reasons.push(error.reason);
      next(error);
    });
    app.use(authErrorHandler());
    return { app, seen, reasons };
  }
  const ask = (app: ReturnType<typeof appWith>['app'], token: string, more: Record<string, string> = {}) =>
    request(app).get('/r').set({ Authorization: `Bearer ${token}`, ...more });

  it('B-24 / I-06: with audience set, a record for another resource server is 401 invalid_token; one naming us, or with no audience, passes', async () => {
    const { app, reasons } = appWith({ audience: US });
    const refused = await ask(app, T_AUD);
    expect([refused.status, refused.headers['www-authenticate'], refused.body.error]).toEqual([401, C.invalidToken, 'invalid_token']);
    expect(reasons).toEqual(['wrong_audience']);
    expect([(await ask(app, T_OURS)).status, (await ask(app, T_PLAIN)).status]).toEqual([200, 200]);
  });

  it('without audience, a record\'s audience is not checked', async () => {
    expect((await ask(appWith().app, T_AUD)).status).toBe(200);
  });

  it('DP-21 / M-03: a token bound to a DPoP key or a certificate is refused when the guard checks no binding, with or without a DPoP header', async () => {
    const { app, reasons } = appWith();
    for (const [token, more] of [[T_DPOP, {}], [T_DPOP, { DPoP: 'eyJhbGciOiJFUzI1NiJ9.e30.sig' }], [T_MTLS, {}]] as const) {
      const res = await ask(app, token, more);
      expect([res.status, res.headers['www-authenticate'], res.body.error]).toEqual([401, C.invalidToken, 'invalid_token']);
    }
    expect(reasons).toEqual(['unproven_binding', 'unproven_binding', 'unproven_binding']);
  });

  it('the 401 for a bound token is byte-identical to the one for an unknown token', async () => {
    const { app } = appWith();
    const [bound, unknown] = [await ask(app, T_DPOP), await ask(app, 'tok-NOBODY_0123456789')];
    expect([bound.status, bound.headers['www-authenticate'], bound.text]).toEqual([unknown.status, unknown.headers['www-authenticate'], unknown.text]);
  });

  it('puts acr, authTime and audience on req.auth, and nothing for records without them', async () => {
    const { app, seen } = appWith({ audience: US });
    await ask(app, T_PWD);
    await ask(app, T_OURS);
    await ask(app, T_PLAIN);
    const [pwd, ours, plain] = seen as [AuthInfo, AuthInfo, AuthInfo];
    expect([pwd.acr, pwd.authTime, 'audience' in pwd]).toEqual(['urn:pwd', NOW - 3_600_000, false]);
    expect(ours.audience).toEqual(['https://other.example.com', US]);
    expect(['acr', 'authTime', 'audience', 'cnf'].filter((key) => key in plain)).toEqual([]);
  });
});
