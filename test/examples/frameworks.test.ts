import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express from 'express';
import { MemoryTokenStore, authErrorHandler, tokenGuard } from '../../src/index.js';
import { CURL } from '../helpers/example-process.js';
import { answerCurlLines, exampleUnderTest, REFUSED } from '../helpers/example-under-test.js';
import { liveRecord, T_ADMIN, T_EXP, T_OK } from '../helpers/fixtures.js';
import { listen } from '../helpers/http.js';
import { ask, httpCases, type CaseTokens } from '../helpers/http-cases.js';

// One table of HTTP cases (test/helpers/http-cases.ts), three frameworks over the same core: tokenGuard
// on Express, built here; examples/node-http and examples/fastify, run as they ship (ES modules that
// jest cannot load in-process), with the demo tokens they print.

const EXAMPLES = join(__dirname, '../../examples');

/** The tokens an example printed in its curl lines. */
function printedTokens(output: string): CaseTokens {
  const byLine = new Map([...output.matchAll(CURL)].map(([, what, , header]) => [what, header?.replace(/^Authorization: Bearer /, '')]));
  return {
    valid: byLine.get('A valid token') as string,
    expired: byLine.get('An expired token') as string,
    noScope: byLine.get('A token without the read scope') as string,
  };
}

describe('tokenGuard on Express', () => {
  const tokens: CaseTokens = { valid: T_OK, noScope: T_ADMIN, expired: T_EXP };
  const store = new MemoryTokenStore([
    liveRecord(T_OK, { subject: 'alice' }),
    liveRecord(T_ADMIN, { subject: 'bob', scopes: ['profile'] }),
    liveRecord(T_EXP, { subject: 'alice', accessTokenExpiresAt: Date.now() - 60_000 }),
  ]);
  const app = express();
  app.use(tokenGuard({ store, realm: 'example', requiredScopes: ['read'] }));
  app.get('/r', (req, res) => {
    res.json({ subject: req.auth?.subject });
  });
  app.options('/r', (_req, res) => {
    res.status(204).set({ 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Methods': 'GET', 'Access-Control-Allow-Headers': 'Authorization' }).end();
  });
  app.use(authErrorHandler());
  let server: Server;
  beforeAll(async () => {
    server = await listen(app);
  });
  afterAll(() => server.close());

  it.each(httpCases(tokens).map((c) => [c.name, c] as const))('%s', async (_name, httpCase) => {
    const { status, challenge, body } = httpCase;
    const { port } = server.address() as AddressInfo;
    expect(await ask(`http://127.0.0.1:${port}`, httpCase)).toEqual({ status, challenge, body });
  });
});

describe.each([['node-http'], ['fastify']])('examples/%s', (name) => {
  const example = exampleUnderTest(join(EXAMPLES, name, 'server.mjs'));
  const origin = () => new URL(/curl -i (\S+)$/m.exec(example.output)?.[1] as string).origin;

  it('prints curl lines whose outcomes are what they say: one authorized, the others refused', async () => {
    expect(await answerCurlLines(example.output)).toEqual([
      ['A valid token', 200, 200, null, { subject: 'alice' }],
      ['An expired token', 401, 401, ...REFUSED.invalidToken],
      ['A token without the read scope', 403, 403, ...REFUSED.insufficientScope('read')],
      ['No token', 401, 401, ...REFUSED.noToken],
    ]);
  });

  it('answers every case of the table exactly as tokenGuard does', async () => {
    const cases = httpCases(printedTokens(example.output));
    const answers = [];
    for (const httpCase of cases) answers.push([httpCase.name, await ask(origin(), httpCase)]);
    expect(answers).toEqual(cases.map(({ name, status, challenge, body }) => [name, { status, challenge, body }]));
  });
});
