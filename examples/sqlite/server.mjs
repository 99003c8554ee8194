// @ts-check
// SqliteTokenStore (better-sqlite3): an API whose tokens' hashes live in a SQLite file, with the settings a
// server on one machine wants: WAL, and a sweep of expired tokens. Seeded with fresh demo tokens at each start.
//   node examples/sqlite/server.mjs [--file ./tokens.db]
// Without --file it uses a new temporary file, deleted when the server stops. With --file the file stays;
// the demo tokens go to its table demo_access_tokens, and each start replaces those of the run before.
// Lookups are synchronous and uncached, so a token revoked here or by another process fails on its next request.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteTokenStore } from 'express-token-guard/sqlite';
import { DEMO_TABLE, itemsApi, printItemsApiLines, seedDemoTokens } from '../shared/demo-api.mjs';
import { closeOnSignal, exitWithUsage, listen, listenAddress, parseCommandLine } from '../shared/server.mjs';

const USAGE = 'node examples/sqlite/server.mjs [--file <file>]';
const args = parseCommandLine(USAGE, { file: { type: 'string' } });
const address = listenAddress();

let file = args.file;
if (file === undefined) {
  const dir = mkdtempSync(join(tmpdir(), 'etg-sqlite-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  file = join(dir, 'tokens.db');
}

/** @type {import('better-sqlite3').Database} */
let database;
try {
  database = new Database(file);
} catch (error) {
  exitWithUsage(USAGE, `--file ${file}: ${/** @type {Error} */ (error).message}`);
}
// Readers no longer wait for a writer (a token CLI, an import) to finish, nor it for them.
database.pragma('journal_mode = WAL');
const store = new SqliteTokenStore({ database, table: DEMO_TABLE });
setInterval(() => void store.deleteExpired(), 60 * 60 * 1000).unref();
const tokens = await seedDemoTokens(store);

const server = listen(itemsApi(store), address, (origin) => {
  console.log(`express-token-guard with SQLite listening on ${origin}/api/items`);
  console.log(`Token hashes (never tokens) in ${file}${args.file === undefined ? ', a temporary file deleted when the server stops' : ''}\n`);
  printItemsApiLines(origin, tokens);
});
closeOnSignal(server, () => database.close());
