import { join } from 'node:path';
import { REFUSED, answerCurlLines, exampleUnderTest, refusal, stopExample } from '../helpers/example-under-test.js';

// examples/jwt: jwtAccessTokenStore (RFC 9068) behind cachedStore, with the key set of the example's
// stand-in authorization server fetched over loopback http; rows J-04 (another key), J-05 (expired) and
// J-06 (scope) of ../shared/conformance.md, as a client meets them.

const SERVER = join(__dirname, '../../examples/jwt/server.mjs');

describe('examples/jwt', () => {
  const example = exampleUnderTest(SERVER);

  it('prints curl lines that answer as they say (J-04, J-05, J-06)', async () => {
    expect(await answerCurlLines(example.output)).toEqual([
      ['A valid JWT', 200, 200, null, { subject: 'alice', clientIdentifier: 'demo-client', items: [{ id: 1, name: 'first item' }] }],
      ['A JWT signed by another key', 401, 401, ...REFUSED.invalidToken],
      ['An expired JWT', 401, 401, ...REFUSED.invalidToken],
      ['A JWT without the items:read scope', 403, 403, ...REFUSED.insufficientScope('items:read')],
      ['No token', 401, 401, ...REFUSED.noToken],
    ]);
  });

  it('serves the stand-in authorization server\'s key set, one public ES256 key, at the URL it prints', async () => {
    const jwksUri = /keys at (http:\/\/127\.0\.0\.1:\d+\/\.well-known\/jwks\.json)$/m.exec(example.output)?.[1] as string;
    const res = await fetch(jwksUri);
    expect([res.status, await res.json()]).toEqual([
      200,
      { keys: [{ kty: 'EC', crv: 'P-256', x: expect.any(String), y: expect.any(String), kid: 'demo-key', alg: 'ES256', use: 'sig' }] },
    ]);
  });

  it('stops cleanly on SIGTERM', async () => {
    expect(await stopExample(example.child)).toBe(0);
  });

  it('refuses an unknown argument with its usage and exit status 2', () => {
    expect(refusal(SERVER, { args: ['--alg', 'RS256'] })).toEqual([2, expect.stringMatching(/^Unknown option '--alg'/), 'usage: node examples/jwt/server.mjs']);
  });
});
