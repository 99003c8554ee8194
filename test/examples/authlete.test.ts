import { join } from 'node:path';
import { REFUSED, answerCurlLines, exampleUnderTest, refusal, stopExample } from '../helpers/example-under-test.js';

const SERVER = join(__dirname, '../../examples/authlete/server.mjs');
const NO_CREDENTIALS = { AUTHLETE_SERVICE_ID: undefined, AUTHLETE_ACCESS_TOKEN: undefined, AUTHLETE_BASE_URL: undefined };

describe('examples/authlete (npm run start:authlete)', () => {
  const example = exampleUnderTest(SERVER, { env: NO_CREDENTIALS });

  it('runs against the fake Authlete without credentials, and each curl line answers as it says', async () => {
    expect(example.output).toMatch(/^express-token-guard with Authlete \(the fake Authlete at http:\/\/127\.0\.0\.1:\d+\) listening on /);
    expect(await answerCurlLines(example.output)).toEqual([
      ['A valid token', 200, 200, null, { subject: 'alice', tenant: 'acme', items: [] }],
      ['An expired token', 401, 401, ...REFUSED.invalidToken],
      ['A token without the items:read scope', 403, 403, ...REFUSED.insufficientScope('items:read')],
      ['No token', 401, 401, ...REFUSED.noToken],
    ]);
  });

  it('stops cleanly on SIGTERM', async () => {
    expect(await stopExample(example.child)).toBe(0);
  });

  it('refuses half a configuration with a message and exit status 2', () => {
    expect(refusal(SERVER, { env: { AUTHLETE_SERVICE_ID: '123', AUTHLETE_ACCESS_TOKEN: undefined } })).toEqual([
      2,
      'Set both AUTHLETE_SERVICE_ID and AUTHLETE_ACCESS_TOKEN, or neither (to use the fake Authlete).',
    ]);
  });
});
