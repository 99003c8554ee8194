import { InsufficientScopeError, MemoryTokenStore, createAuthorizer, isAuthError, type AuthError } from '../../src/core/index.js';
import { makeProof, proofKey } from '../helpers/dpop.js';
import { C, NOW, T_OK, record } from '../helpers/fixtures.js';

// createAuthorizer: the guard's decision for plain values, without a framework (express-token-guard/core).

const store = new MemoryTokenStore([record(T_OK, { subject: 'alice', scopes: ['read'] })]);

function refusal(run: () => unknown): AuthError {
  try {
    run();
  } catch (error) {
    if (isAuthError(error)) return error;
    throw error;
  }
  throw new Error('it did not refuse');
}

describe('createAuthorizer', () => {
  const authorizer = createAuthorizer({ store, clock: () => NOW, requiredScopes: ['read'] });

  it('answers a memory-store token synchronously with its AuthInfo', () => {
    const info = authorizer.authorize({ authorization: `Bearer ${T_OK}`, method: 'GET' });
    expect(info instanceof Promise).toBe(false);
    expect(info).toMatchObject({ subject: 'alice', scopes: ['read'] });
  });

  it('throws AuthErrors that carry the whole answer: status, headers and body', () => {
    const missing = refusal(() => authorizer.authorize({ method: 'GET' }));
    expect([missing.status, missing.headers, missing.toJSON()]).toEqual([
      401,
      { 'WWW-Authenticate': C.C0, 'Cache-Control': 'no-store' },
      { error: 'unauthorized', error_description: 'This resource requires a bearer access token' },
    ]);
    const repeated = refusal(() => authorizer.authorize({ authorization: `Bearer ${T_OK}`, rawHeaders: ['Authorization', `Bearer ${T_OK}`, 'authorization', 'Bearer x'], method: 'GET' }));
    expect([repeated.status, repeated.headers['WWW-Authenticate']]).toEqual([400, C.repeated]);
    const query = createAuthorizer({ store, clock: () => NOW, allowQuery: true });
    expect(query.authorize({ method: 'GET', query: { access_token: T_OK } })).toMatchObject({ subject: 'alice' });
  });

  it('refuse() gives a later refusal of the application the authorizer\'s headers', () => {
    const error = authorizer.refuse(new InsufficientScopeError(Object.freeze(['admin']), 'all_of'), { authorization: `Bearer ${T_OK}` });
    expect(error.headers).toEqual({ 'WWW-Authenticate': C.scope('admin'), 'Cache-Control': 'no-store' });
  });

  it('decides DPoP requests and renews a nonce through the response it is given', async () => {
    const k1 = await proofKey();
    const bound = new MemoryTokenStore([record('tok-DPOP', { subject: 'dora', cnf: { jkt: k1.jkt } })]);
    let now = Math.floor(NOW / 60_000) * 60_000;
    const dpop = createAuthorizer({ store: bound, clock: () => now, dpop: { origin: 'https://rs.example', nonce: { lifetimeSeconds: 60 } } });
    const headers: Record<string, string> = {};
    const response = { setHeader: (name: string, value: string) => (headers[name] = value) };
    const ask = async (nonce?: string) =>
      dpop.authorize(
        { authorization: 'DPoP tok-DPOP', method: 'GET', target: '/r?x=1', dpop: await makeProof(k1, now, { token: 'tok-DPOP', ...(nonce === undefined ? {} : { nonce }) }) },
        response,
      );
    const first = await Promise.resolve(ask()).catch((error: AuthError) => error);
    const nonce = (first as AuthError).headers['DPoP-Nonce'] as string;
    expect([(first as AuthError).status, (first as AuthError).reason, typeof nonce]).toEqual([401, 'missing_nonce', 'string']);
    now += 60_000;
    expect(await ask(nonce)).toMatchObject({ subject: 'dora' });
    expect(Object.keys(headers)).toEqual(['DPoP-Nonce', 'Cache-Control']);
  });

  it('reads a client certificate only through the function the caller gives', async () => {
    const mtls = createAuthorizer({ store: new MemoryTokenStore([record('tok-MTLS', { cnf: { 'x5t#S256': 'nope' } })]), clock: () => NOW, mtls: {} });
    let asked = 0;
    const error = refusal(() => mtls.authorize({ authorization: 'Bearer tok-MTLS', method: 'GET', clientCertificate: () => (asked++, undefined) }));
    expect([error.status, error.reason, asked]).toEqual([401, 'missing_certificate', 1]);
  });
});
