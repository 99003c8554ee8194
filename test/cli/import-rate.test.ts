import Database from 'better-sqlite3';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createClient } from 'redis';
import { hashToken } from '../../src/core/hash.js';
import { PostgresServer } from '../helpers/postgres-server.js';
import { RedisServer, redisAvailable } from '../helpers/redis-server.js';
import { HOUR, NOW, runCli, useTempDir } from './run-cli.js';

// 100,000 records through `token import`, into each backend: the import rate the README quotes,
// measured from the command's start to its exit (Node's start-up and the driver's connection
// included), printed on a line marked [CLI IMPORT RATE] and written to bench/results/cli-import.json.

const COUNT = 100_000;
const DAY = 24 * HOUR;
const RESULTS = join(__dirname, '../../bench/results/cli-import.json');
const dir = useTempDir('etg-cli-rate-');
const rates: Record<string, { records: number; seconds: number; recordsPerSecond: number; command: string }> = {};

/** Record `i` as Authlete's token list sends one: every field, two properties, one hidden. */
const record = (i: number) => ({
  accessTokenHash: hashToken(`rate-${i}`),
  accessTokenExpiresAt: NOW + DAY + i,
  refreshTokenHash: hashToken(`rate-refresh-${i}`),
  refreshTokenExpiresAt: NOW + 30 * DAY,
  createdAt: NOW - i,
  lastRefreshedAt: 0,
  clientId: 1000 + (i % 10),
  subject: `user-${i % 1000}`,
  grantType: 'AUTHORIZATION_CODE',
  scopes: ['openid', 'items:read', 'items:write'],
  properties: [
    { key: 'tenant', value: 'acme', hidden: false },
    { key: 'plan', value: i % 2 === 0 ? 'gold' : 'free', hidden: true },
  ],
  refreshTokenScopes: ['openid'],
});

beforeAll(() => {
  const text: string[] = [];
  for (let i = 0; i < COUNT; i++) text.push(JSON.stringify(record(i)));
  writeFileSync(join(dir(), 'tokens.jsonl'), `${text.join('\n')}\n`);
});

afterAll(() => {
  if (Object.keys(rates).length === 0) return;
  mkdirSync(join(RESULTS, '..'), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify({ date: new Date().toISOString(), node: process.version, rates }, null, 2)}\n`);
});

/** Imports the file into `store`, checks what the CLI said, and records the rate under `name`. */
async function measure(name: string, store: string, shown = store): Promise<void> {
  const args = ['token', 'import', 'tokens.jsonl', '--store', store];
  const started = performance.now();
  const result = await runCli(args, { cwd: dir() });
  const seconds = (performance.now() - started) / 1000;
  expect(result).toEqual({ code: 0, stdout: `Imported ${COUNT} records.\n`, stderr: '' });
  const recordsPerSecond = Math.round(COUNT / seconds);
  rates[name] = { records: COUNT, seconds: Number(seconds.toFixed(2)), recordsPerSecond, command: `express-token-guard ${args.slice(0, 3).join(' ')} --store ${shown}` };
  console.log(`[CLI IMPORT RATE] ${name}: ${COUNT} records in ${seconds.toFixed(2)} s = ${recordsPerSecond} records/s`);
}

describe(`token import of ${COUNT.toLocaleString('en')} records`, () => {
  it('into SQLite', async () => {
    await measure('sqlite', 'sqlite:./rate.db');
    const database = new Database(join(dir(), 'rate.db'), { readonly: true });
    try {
      expect(database.prepare('SELECT count(*) AS n FROM access_tokens').get()).toEqual({ n: COUNT });
      const last = database.prepare('SELECT subject, client_id, properties FROM access_tokens WHERE access_token_hash = ?').get(hashToken(`rate-${COUNT - 1}`));
      expect(last).toEqual({ subject: 'user-999', client_id: 1009, properties: JSON.stringify(record(COUNT - 1).properties) });
    } finally {
      database.close();
    }
  }, 120_000);

  it('into PostgreSQL', async () => {
    const server = await PostgresServer.start();
    const pool = new pg.Pool(server.connection);
    pool.on('error', () => undefined);
    try {
      const { host, port, user, database } = server.connection;
      await measure('postgres', `postgres://${user}:password@${host}:${port}/${database}`, `postgres://${user}:***@${host}:${port}/${database}`);
      expect((await pool.query('SELECT count(*)::int AS n FROM access_tokens')).rows).toEqual([{ n: COUNT }]);
    } finally {
      await pool.end();
      await server.close();
    }
  }, 180_000);

  (redisAvailable() ? it : it.skip)('into Redis', async () => {
    const server = await RedisServer.start();
    const client = createClient({ url: server.url });
    client.on('error', () => undefined);
    try {
      await measure('redis', server.url);
      await client.connect();
      // One key a token, and the index sets of 1,000 subjects and 10 clients.
      expect(await client.dbSize()).toBe(COUNT + 1000 + 10);
    } finally {
      await client.quit().catch(() => undefined);
      await server.stop();
    }
  }, 180_000);
});
