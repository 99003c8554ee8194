import { join } from 'node:path';
import { REFUSED, answerCurlLines, exampleUnderTest, refusal, stopExample } from '../helpers/example-under-test.js';

// examples/step-up: requireAuthLevel (RFC 9470) in a runnable server, as a client meets it; the
// password login fails both requirements: row S-03 of ../shared/conformance.md.

const SERVER = join(__dirname, '../../examples/step-up/server.mjs');

describe('examples/step-up', () => {
  const example = exampleUnderTest(SERVER);

  it('prints curl lines that answer as they say: an MFA login passes /transfers, a password login an hour ago is asked to step up (S-03)', async () => {
    expect(await answerCurlLines(example.output)).toEqual([
      ['An MFA login, on /transfers', 200, 200, null, { subject: 'alice', acr: 'urn:mfa', transfers: [] }],
      ['A password login an hour ago, on /items', 200, 200, null, { subject: 'alice', items: [{ id: 1, name: 'first item' }] }],
      [
        'The same token on /transfers',
        401,
        401,
        'Bearer realm="example", error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="urn:mfa", max_age="300"',
        { error: 'insufficient_user_authentication', error_description: 'A different authentication level is required' },
      ],
      ['No token', 401, 401, ...REFUSED.noToken],
    ]);
  });

  it('stops cleanly on SIGTERM', async () => {
    expect(await stopExample(example.child)).toBe(0);
  });

  it('refuses an unknown argument with its usage and exit status 2', () => {
    expect(refusal(SERVER, { args: ['--max-age', '60'] })).toEqual([2, expect.stringMatching(/^Unknown option '--max-age'/), 'usage: node examples/step-up/server.mjs']);
  });
});
