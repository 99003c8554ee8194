// @ts-check
// PostgresTokenStore (node-postgres): an API whose tokens' hashes live in PostgreSQL, the store several
// instances of an API can share. Seeded with fresh demo tokens at each start.
//   node examples/postgres/server.mjs --postgres-url postgres://user:password@host:5432/db
//   DATABASE_URL=postgres://… node examples/postgres/server.mjs
// It runs migrate() at start (safe in every instance at once), and keeps its demo tokens in the table
// demo_access_tokens, apart from a real access_tokens; each start replaces those of the run before.
import pg from 'pg';
import { PostgresTokenStore } from 'express-token-guard/postgres';
import { DEMO_TABLE, itemsApi, printItemsApiLines, seedDemoTokens } from '../shared/demo-api.mjs';
import { closeOnSignal, exitWithUsage, listen, listenAddress, parseCommandLine } from '../shared/server.mjs';

const USAGE = 'node examples/postgres/server.mjs --postgres-url <url> (or DATABASE_URL=<url>)';
const args = parseCommandLine(USAGE, { 'postgres-url': { type: 'string' } });
const address = listenAddress();
// Named in messages instead of the URL, which may hold a password.
const [source, connectionString] =
  args['postgres-url'] === undefined ? ['DATABASE_URL', process.env.DATABASE_URL] : ['--postgres-url', args['postgres-url']];
if (connectionString === undefined || connectionString === '') exitWithUsage(USAGE, 'Set --postgres-url or DATABASE_URL to a postgres:// URL');

const pool = new pg.Pool({ connectionString, connectionTimeoutMillis: 2000 });
pool.on('error', (error) => console.error('postgres:', error.message)); // idle connections dropped by the server
const store = new PostgresTokenStore({ pool, table: DEMO_TABLE });
const tokens = await store
  .migrate()
  .then(() => seedDemoTokens(store))
  .catch((/** @type {Error} */ error) => exitWithUsage(USAGE, `${source}: ${error.message}`));

const server = listen(itemsApi(store), address, (origin) => {
  console.log(`express-token-guard with PostgreSQL (table ${DEMO_TABLE}) listening on ${origin}/api/items\n`);
  printItemsApiLines(origin, tokens);
});
closeOnSignal(server, () => pool.end());
