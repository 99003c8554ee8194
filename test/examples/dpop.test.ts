import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { answerCurlLines, exampleUnderTest } from '../helpers/example-under-test.js';

// examples/dpop: the server and the client that goes with it (RFC 9449), each run as they are.

const DIR = join(__dirname, '../../examples/dpop');
const D0 = 'DPoP algs="ES256 ES384 EdDSA PS256 RS256"';

describe('examples/dpop', () => {
  const example = exampleUnderTest(join(DIR, 'server.mjs'));
  const origin = () => /node examples\/dpop\/client\.mjs (\S+)/.exec(example.output)?.[1] as string;

  it('serves what its curl lines promise: the metadata, a bound token refused as Bearer, no token', async () => {
    const o = origin();
    expect(await answerCurlLines(example.output)).toEqual([
      [
        'The protected resource metadata',
        200,
        200,
        null,
        {
          resource: `${o}/api`,
          authorization_servers: [`${o}/demo`],
          scopes_supported: ['items:read'],
          bearer_methods_supported: ['header'],
          dpop_signing_alg_values_supported: ['ES256', 'ES384', 'EdDSA', 'PS256', 'RS256'],
          dpop_bound_access_tokens_required: false,
        },
      ],
      [
        'A DPoP-bound token sent as a Bearer token',
        401,
        401,
        `Bearer realm="example", error="invalid_token", error_description="The access token is invalid or has expired", ${D0}`,
        { error: 'invalid_token', error_description: 'The access token is invalid or has expired' },
      ],
      ['No token', 401, 401, `Bearer realm="example", ${D0}`, { error: 'unauthorized', error_description: 'This resource requires a bearer access token' }],
    ]);
  });

  it('its client gets a bound token, answers the nonce challenge, and sees a replay and a downgrade refused', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(DIR, 'client.mjs'), origin()]);
    const jkt = /"jkt":"([A-Za-z0-9_-]{43})"/.exec(stdout)?.[1];
    const body = JSON.stringify({ subject: 'alice', jkt, items: [{ id: 1, name: 'first item' }] });
    expect(stdout.split('\n')).toEqual([
      'token: 200 bound to our key',
      `first call (the server asks for a nonce, the client retries with it): 200 ${body}`,
      `second call, fresh proof with the nonce: 200 ${body}`,
      `the same proof again: 401 DPoP error="invalid_dpop_proof", error_description="The DPoP proof is invalid", algs="ES256 ES384 EdDSA PS256 RS256"`,
      'the token sent as Bearer: 401 Bearer realm="example", error="invalid_token", error_description="The access token is invalid or has expired"',
      '',
    ]);
  });

  it('the client refuses a missing origin with its usage and exit status 2', async () => {
    await expect(promisify(execFile)(process.execPath, [join(DIR, 'client.mjs')])).rejects.toMatchObject({
      code: 2,
      stderr: 'usage: node examples/dpop/client.mjs <origin of examples/dpop/server.mjs, e.g. http://127.0.0.1:3000>\n',
    });
  });
});
