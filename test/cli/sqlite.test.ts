import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashToken } from '../../src/core/hash.js';
import { SqliteTokenStore } from '../../src/stores/sqlite.js';
import { CLI, HOUR, NOW, failure, runCli, useTempDir } from './run-cli.js';
import { cliScenario } from './scenario.js';

// The CLI on SQLite (better-sqlite3): the default store, sqlite:./tokens.db in the working directory.

const dir = useTempDir('etg-cli-sqlite-');
let files = 0;

cliScenario('SQLite', { fresh: async () => `sqlite:./store-${++files}.db`, cwd: dir });

describe('SQLite: the file', () => {
  let cwd: string;
  beforeEach(() => {
    cwd = join(dir(), `case-${++files}`);
    mkdirSync(cwd);
  });
  const missing = 'no SQLite database at sqlite:./tokens.db (only token create and token import make one; see --store)';

  it.each([
    ['list', ['list']],
    ['revoke', ['revoke', 'tok-a']],
    ['delete-expired', ['delete-expired']],
  ])('token %s on a directory without tokens.db fails, creating nothing', async (command, args) => {
    expect(await runCli(['token', ...args], { cwd })).toEqual(failure(command, missing));
    expect(existsSync(join(cwd, 'tokens.db'))).toBe(false);
  });

  it('token sync does not create it either, and asks nothing of Authlete', async () => {
    const args = ['token', 'sync', 'authlete', '--base-url', 'http://127.0.0.1:1', '--service-id', '1'];
    expect(await runCli(args, { cwd, env: { AUTHLETE_ACCESS_TOKEN: 'service-token' } })).toEqual(failure('sync', missing));
    expect(existsSync(join(cwd, 'tokens.db'))).toBe(false);
  });

  it('token create makes ./tokens.db by default; the record is there and the token is not', async () => {
    const created = await runCli(['token', 'create', '--subject', 'alice', '--ttl', '15m'], { cwd });
    const raw = created.stdout.trimEnd();
    expect([created.code, created.stderr.split('\n')[0]]).toEqual([0, `Stored in sqlite:./tokens.db: hash ${hashToken(raw)}, expires in 15m (${new Date(NOW + 15 * 60_000).toISOString()}).`]);
    const database = new Database(join(cwd, 'tokens.db'));
    try {
      const store = new SqliteTokenStore({ database });
      expect(store.findByAccessTokenHash(hashToken(raw))).toEqual({ accessTokenHash: hashToken(raw), accessTokenExpiresAt: NOW + 15 * 60_000, createdAt: NOW, subject: 'alice' });
    } finally {
      database.close();
    }
    expect(readFileSync(join(cwd, 'tokens.db')).includes(raw)).toBe(false);
  });

  it('token import makes the file too', async () => {
    const record = { accessTokenHash: hashToken('tok-a'), accessTokenExpiresAt: NOW + HOUR };
    expect(await runCli(['token', 'import', '-'], { cwd, input: JSON.stringify(record) })).toEqual({ code: 0, stdout: 'Imported 1 record.\n', stderr: '' });
    expect(await runCli(['token', 'list', '--json'], { cwd })).toEqual({ code: 0, stdout: `${JSON.stringify(record)}\n`, stderr: '' });
  });

  it('a reader that stops early (token list | head -n 1) ends the listing quietly, with status 0', async () => {
    const records = Array.from({ length: 20_000 }, (_, i) => JSON.stringify({ accessTokenHash: hashToken(`head-${i}`), accessTokenExpiresAt: NOW + HOUR }));
    expect((await runCli(['token', 'import', '-'], { cwd, input: records.join('\n') })).code).toBe(0);
    const line = `node ${CLI} token list --json | head -n 1; echo "status \${PIPESTATUS[0]}"`;
    const result = spawnSync('bash', ['--norc', '-c', line], { cwd, encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '', EXPRESS_TOKEN_GUARD_NOW: String(NOW) } });
    expect([result.stdout.split('\n').slice(1), result.stderr]).toEqual([['status 0', ''], '']);
    expect(JSON.parse(result.stdout.split('\n')[0] as string)).toEqual({ accessTokenHash: expect.any(String), accessTokenExpiresAt: NOW + HOUR });
  });

  it('a directory that does not exist, and a file that is not SQLite, are one-line errors', async () => {
    expect(await runCli(['token', 'create', '--ttl', '1h', '--store', 'sqlite:./no/such/dir/tokens.db'], { cwd })).toEqual(
      failure('create', 'cannot open sqlite:./no/such/dir/tokens.db: Cannot open database because the directory does not exist'),
    );
    writeFileSync(join(cwd, 'notes.db'), 'not a database, only text that is long enough to be read as a header\n'.repeat(20));
    expect(await runCli(['token', 'list', '--store', 'sqlite:notes.db'], { cwd })).toEqual(
      failure('list', 'cannot use sqlite:notes.db: SqliteTokenStore: table "access_tokens" is not one this store made (file is not a database)'),
    );
  });
});
