import { once } from 'node:events';
import { get, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { CURL } from '../helpers/example-process.js';
import { exampleUnderTest, refusal, stopExample } from '../helpers/example-under-test.js';

// examples/problem-json: every AuthError rendered as RFC 9457 application/problem+json by an error handler
// of the application's own, with the challenges the guard set: two header lines, Bearer and DPoP.

const SERVER = join(__dirname, '../../examples/problem-json/server.mjs');
const DPOP = 'DPoP algs="ES256 ES384 EdDSA PS256 RS256"';
const PROBLEM = 'application/problem+json';

/** GETs `url` as the curl line would: [status, Content-Type, WWW-Authenticate lines, Cache-Control lines, parsed body]. */
async function ask(url: string, authorization: string | undefined): Promise<unknown[]> {
  const req = get(url, { headers: authorization === undefined ? {} : { Authorization: authorization } });
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  let body = '';
  for await (const chunk of res) body += String(chunk);
  const { 'content-type': type, 'www-authenticate': challenges, 'cache-control': cacheControl } = res.headersDistinct;
  return [res.statusCode, type, challenges, cacheControl, JSON.parse(body)];
}

describe('examples/problem-json', () => {
  const example = exampleUnderTest(SERVER);

  it('answers refusals with problem details, exactly, keeping every challenge line and Cache-Control: no-store', async () => {
    const answers: unknown[] = [];
    for (const [, what, promised, header, url] of example.output.matchAll(CURL)) {
      answers.push([what, Number(promised), ...(await ask(url as string, header?.replace(/^Authorization: /, '')))]);
    }
    expect(answers).toEqual([
      ['A valid token', 200, 200, ['application/json; charset=utf-8'], undefined, undefined, { subject: 'alice', items: [{ id: 1, name: 'first item' }] }],
      [
        'A malformed Authorization header',
        400,
        400,
        [PROBLEM],
        ['Bearer realm="example", error="invalid_request", error_description="The Authorization header is not a valid Bearer credential"', DPOP],
        ['no-store'],
        {
          type: 'https://api.example.com/problems/invalid_request',
          title: 'Invalid request',
          status: 400,
          detail: 'The Authorization header is not a valid Bearer credential',
        },
      ],
      [
        'An expired token',
        401,
        401,
        [PROBLEM],
        ['Bearer realm="example", error="invalid_token", error_description="The access token is invalid or has expired"', DPOP],
        ['no-store'],
        { type: 'https://api.example.com/problems/invalid_token', title: 'Invalid access token', status: 401, detail: 'The access token is invalid or has expired' },
      ],
      [
        'A token without the items:read scope',
        403,
        403,
        [PROBLEM],
        [
          'Bearer realm="example", error="insufficient_scope", error_description="The access token does not carry the scope this request requires", scope="items:read"',
          DPOP,
        ],
        ['no-store'],
        {
          type: 'https://api.example.com/problems/insufficient_scope',
          title: 'Insufficient scope',
          status: 403,
          detail: 'The access token does not carry the scope this request requires',
        },
      ],
      [
        'No token',
        401,
        401,
        [PROBLEM],
        ['Bearer realm="example"', DPOP],
        ['no-store'],
        { type: 'about:blank', title: 'Unauthorized', status: 401, detail: 'This resource requires a bearer access token' },
      ],
    ]);
  });

  it('stops cleanly on SIGTERM', async () => {
    expect(await stopExample(example.child)).toBe(0);
  });

  it('refuses an unknown argument with its usage and exit status 2', () => {
    expect(refusal(SERVER, { args: ['--type', 'x'] })).toEqual([2, expect.stringMatching(/^Unknown option '--type'/), 'usage: node examples/problem-json/server.mjs']);
  });
});
