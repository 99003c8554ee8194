import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { hashToken } from '../../src/index.js';
import { CorruptRecordError } from '../../src/stores/corrupt-record.js';
import { SqliteTokenStore } from '../../src/stores/sqlite.js';
import { checkListQuery } from '../../src/stores/list-query.js';
import { listStatement } from '../../src/stores/sql-columns.js';
import { storeContract } from '../../src/testing/index.js';
import { C, liveRecord as live } from '../helpers/fixtures.js';
import { expectCorruptionIsolated } from '../helpers/corruption.js';
import { guardedApp } from '../helpers/guarded-app.js';

const dir = mkdtempSync(join(tmpdir(), 'etg-sqlite-'));
const file = join(dir, 'tokens.db');
const database = new Database(file);
let tables = 0;

afterAll(() => {
  database.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SqliteTokenStore on a table made by the previous version', () => {
  it('adds the columns of cnf, acr, auth_time and audience, keeping every row', () => {
    const v1Columns =
      'access_token_hash TEXT NOT NULL, access_token_expires_at INTEGER, refresh_token_hash TEXT, refresh_token_expires_at INTEGER, ' +
      'created_at INTEGER, last_refreshed_at INTEGER, client_id INTEGER, subject TEXT, grant_type TEXT, scopes TEXT, properties TEXT, refresh_token_scopes TEXT';
    database.exec(`CREATE TABLE old_tokens (${v1Columns}, PRIMARY KEY (access_token_hash)) WITHOUT ROWID`);
    const kept = live('kept-v1', { subject: 'alice' });
    database
      .prepare('INSERT INTO old_tokens (access_token_hash, access_token_expires_at, subject, scopes) VALUES (?, ?, ?, ?)')
      .run(kept.accessTokenHash, kept.accessTokenExpiresAt, 'alice', JSON.stringify(kept.scopes));
    const store = new SqliteTokenStore({ database, table: 'old_tokens' });
    expect(store.findByAccessTokenHash(kept.accessTokenHash as string)).toEqual(kept);
    const bound = live('bound-v2', { cnf: { 'x5t#S256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2' }, acr: 'urn:mfa', authTime: 1_767_225_600_000, audience: ['a'] });
    return store.save(bound).then(() => {
      expect(store.findByAccessTokenHash(bound.accessTokenHash as string)).toEqual(bound);
      const columns = (database.prepare('PRAGMA table_info(old_tokens)').all() as Array<{ name: string }>).map(({ name }) => name);
      expect(columns.slice(-4)).toEqual(['cnf', 'acr', 'auth_time', 'audience']);
      expect(new SqliteTokenStore({ database, table: 'old_tokens' }).findByAccessTokenHash(kept.accessTokenHash as string)).toEqual(kept);
    });
  });
});

storeContract('SqliteTokenStore', () => new SqliteTokenStore({ database, table: `contract_${++tables}` }), {
  describe,
  it,
  afterEach,
  capabilities: { deleteExpired: true },
});

describe('SqliteTokenStore', () => {

  it('creates typed columns and indexes, and keeps records across reopening the file', async () => {
    const store = new SqliteTokenStore({ database, table: 'persisted' });
    const kept = live('kept', { subject: 'alice', clientId: 7 });
    await store.save(kept);
    const columns = database.prepare('SELECT name, type FROM pragma_table_info(?)').all('persisted');
    expect(columns).toEqual(
      expect.arrayContaining([
        { name: 'access_token_hash', type: 'TEXT' },
        { name: 'access_token_expires_at', type: 'INTEGER' },
        { name: 'client_id', type: 'INTEGER' },
        { name: 'scopes', type: 'TEXT' },
      ]),
    );
    const indexes = database.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?").pluck().all('persisted');
    expect(indexes).toEqual(expect.arrayContaining(['persisted_subject', 'persisted_client_id', 'persisted_access_token_expires_at']));
    const reopened = new Database(file);
    try {
      expect(new SqliteTokenStore({ database: reopened, table: 'persisted' }).findByAccessTokenHash(hashToken('kept'))).toEqual(kept);
    } finally {
      reopened.close();
    }
  });

  it('answers lookups synchronously, so the guard needs no promise', () => {
    const store = new SqliteTokenStore({ database, table: 'sync' });
    expect(store.findByAccessTokenHash(hashToken('none'))).toBeUndefined();
  });

  it('serves the guard: a saved token is accepted, a deleted one refused on the next request', async () => {
    const store = new SqliteTokenStore({ database, table: 'guarded' });
    await store.save(live('t1', { subject: 'alice' }));
    const app = guardedApp(store);
    const ok = await request(app).get('/r').set('Authorization', 'Bearer t1');
    expect([ok.status, ok.body]).toEqual([200, { subject: 'alice' }]);
    await store.deleteBySubject('alice');
    const gone = await request(app).get('/r').set('Authorization', 'Bearer t1');
    expect([gone.status, gone.headers['www-authenticate']]).toEqual([401, C.invalidToken]);
  });

  it.each<[string, string, string]>([
    ['invalid JSON in scopes', "scopes = '[\"read\"'", 'scopes'],
    ['scopes that are not an array', "scopes = '\"read\"'", 'scopes'],
    ['a text client id', "client_id = 'abc'", 'clientId'],
    ['a client id beyond 2^53-1', 'client_id = 9007199254740993', 'clientId'],
    ['a fractional expiry', 'access_token_expires_at = access_token_expires_at + 0.5', 'accessTokenExpiresAt'],
    ['properties without values', `properties = '[{"key":"k"}]'`, 'properties'],
  ])('a corrupt row (%s) is 401 for that token only, reported to onError', async (_name, assignment, field) => {
    const table = `corrupt_${++tables}`;
    await expectCorruptionIsolated(
      (onError) => new SqliteTokenStore({ database, table, onError }),
      (hash) => database.prepare(`UPDATE ${table} SET ${assignment} WHERE access_token_hash = ?`).run(hash),
      field,
    );
    const errors: Error[] = [];
    const store = new SqliteTokenStore({ database, table, onError: (error) => errors.push(error) });
    store.findByAccessTokenHash(hashToken('bad'));
    expect(errors[0]?.message).toBe(
      `SqliteTokenStore: the record stored for hash ${hashToken('bad')} is corrupt (${field}); it is treated as unknown`,
    );
  });

  it('warns once per corrupt read by default', async () => {
    const warnings: unknown[] = [];
    const spy = jest.spyOn(process, 'emitWarning').mockImplementation((warning) => void warnings.push(warning));
    try {
      const store = new SqliteTokenStore({ database, table: 'warned' });
      await store.save(live('bad'));
      database.prepare("UPDATE warned SET scopes = 'x'").run();
      expect(store.findByAccessTokenHash(hashToken('bad'))).toBeUndefined();
    } finally {
      spy.mockRestore();
    }
    expect(warnings).toEqual([expect.any(CorruptRecordError)]);
  });

  it('a closed database is a 503, never a pass', async () => {
    const own = new Database(':memory:');
    const store = new SqliteTokenStore({ database: own });
    await store.save(live('t'));
    own.close();
    const res = await request(guardedApp(store)).get('/r').set('Authorization', 'Bearer t');
    expect([res.status, res.headers['www-authenticate']]).toEqual([503, C.C0]);
  });

  it.each<[unknown, string]>([
    [undefined, 'SqliteTokenStore: options must be an object, e.g. { database }'],
    [{}, 'SqliteTokenStore: options.database must be a better-sqlite3 Database'],
    [{ database, table: 'a-b' }, 'SqliteTokenStore: table must be a table name of letters, digits and _ (at most 63 each), not "a-b"'],
    [{ database, table: 'x"; DROP TABLE y; --' }, 'SqliteTokenStore: table must be a table name of letters, digits and _ (at most 63 each), not "x\\"; DROP TABLE y; --"'],
    [{ database, table: 'main.tokens' }, 'SqliteTokenStore: table must be a table name of letters, digits and _ (at most 63 each), not "main.tokens"'],
    [{ database, onError: 'log' }, 'SqliteTokenStore: options.onError must be a function'],
    [{ database, tabel: 'x' }, 'SqliteTokenStore: unknown option "tabel" (it takes database, table, onError)'],
  ])('refuses bad options %#, naming them', (options, message) => {
    expect(() => new SqliteTokenStore(options as never)).toThrow(expect.objectContaining({ name: 'TypeError', message }));
  });

  it('refuses a table that exists with other columns', () => {
    database.exec('CREATE TABLE foreign_table (id INTEGER PRIMARY KEY, name TEXT)');
    expect(() => new SqliteTokenStore({ database, table: 'foreign_table' })).toThrow('SqliteTokenStore: table "foreign_table" is not one this store made (no such column: subject)');
  });

  it('checks its arguments', async () => {
    const store = new SqliteTokenStore({ database, table: 'args' });
    await expect(store.deleteByClientId('1' as never)).rejects.toThrow(
      'SqliteTokenStore.deleteByClientId: clientId must be an integer no larger than 2^53-1',
    );
    await expect(store.deleteBySubject(1 as never)).rejects.toThrow('SqliteTokenStore.deleteBySubject: subject must be a string');
    await expect(store.deleteExpired(1.5)).rejects.toThrow('SqliteTokenStore.deleteExpired: now must be an integer (ms since the epoch)');
    await expect(store.saveMany('x' as never)).rejects.toThrow('SqliteTokenStore.saveMany: records must be an array of AccessToken records');
  });
});

describe('SqliteTokenStore.list', () => {
  it('pages on the primary key: SQLite never sorts the table, whatever the filters', () => {
    new SqliteTokenStore({ database, table: 'plans' });
    const queries = [{}, { after: 'x' }, { subject: 'a' }, { clientId: 1, after: 'x' }, { expired: true }, { expired: false, subject: 'a', clientId: 1, after: 'x' }];
    for (const query of queries) {
      const { text, values } = listStatement('"plans"', checkListQuery('test', { ...query, now: 0, limit: 10 }), () => '?');
      const plan = (database.prepare(`EXPLAIN QUERY PLAN ${text}`).all(...values) as Array<{ detail: string }>).map(({ detail }) => detail);
      expect([query, plan.filter((detail) => /TEMP B-TREE/.test(detail))]).toEqual([query, []]);
    }
  });

  it('leaves a corrupt row out, reports it with its hash, and pages past it', async () => {
    const reported: unknown[] = [];
    const store = new SqliteTokenStore({ database, table: 'list_corrupt', onError: (error) => reported.push(error) });
    const records = ['c1', 'c2', 'c3', 'c4'].map((token) => live(token));
    await store.saveMany(records);
    const sorted = [...records].sort((a, b) => ((a.accessTokenHash as string) < (b.accessTokenHash as string) ? -1 : 1));
    const broken = sorted[1]?.accessTokenHash as string;
    database.prepare('UPDATE list_corrupt SET scopes = ? WHERE access_token_hash = ?').run('not json', broken);
    const first = await store.list({ limit: 2 });
    expect(first).toEqual({ records: [sorted[0]], next: broken });
    expect(await store.list({ limit: 2, after: first.next as string })).toEqual({ records: [sorted[2], sorted[3]] });
    expect(reported).toEqual([expect.objectContaining({ name: 'CorruptRecordError', accessTokenHash: broken, field: 'scopes' })]);
  });
});
