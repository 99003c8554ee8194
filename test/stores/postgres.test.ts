import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import pg from 'pg';
import request from 'supertest';
import { hashToken } from '../../src/index.js';
import { PostgresTokenStore } from '../../src/stores/postgres.js';
import { StoreTimeoutError } from '../../src/stores/timeout.js';
import { storeContract } from '../../src/testing/index.js';
import { C, liveRecord as live } from '../helpers/fixtures.js';
import { expectCorruptionIsolated } from '../helpers/corruption.js';
import { causeCapture, guardedApp } from '../helpers/guarded-app.js';
import { PostgresServer } from '../helpers/postgres-server.js';


let server: PostgresServer;
const pools: pg.Pool[] = [];
let tables = 0;

/** A pool as an application should make one: with an error listener, so a dropped connection never crashes. */
function newPool(config: pg.PoolConfig = server.connection): pg.Pool {
  const pool = new pg.Pool(config);
  pool.on('error', () => undefined);
  pools.push(pool);
  return pool;
}

beforeAll(async () => {
  server = await PostgresServer.start();
}, 60_000);

afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.end()));
  await server?.close();
});

storeContract(
  'PostgresTokenStore',
  async () => {
    const store = new PostgresTokenStore({ pool: pools[0] ?? newPool(), table: `contract_${++tables}` });
    await store.migrate();
    return store;
  },
  { describe, it, afterEach, capabilities: { deleteExpired: true } },
);

describe('PostgresTokenStore', () => {
  const { causes, handler: capture } = causeCapture();
  beforeEach(() => {
    causes.length = 0;
  });

  describe('migrate()', () => {
    it('creates typed columns, the primary key and the indexes, and records the schema version', async () => {
      const pool = newPool();
      await new PostgresTokenStore({ pool, table: 'typed' }).migrate();
      const { rows: columns } = await pool.query(
        "SELECT column_name, data_type, udt_name FROM information_schema.columns WHERE table_name = 'typed' ORDER BY ordinal_position",
      );
      expect(columns.map((c) => [c.column_name, c.udt_name])).toEqual([
        ['access_token_hash', 'text'],
        ['access_token_expires_at', 'int8'],
        ['refresh_token_hash', 'text'],
        ['refresh_token_expires_at', 'int8'],
        ['created_at', 'int8'],
        ['last_refreshed_at', 'int8'],
        ['client_id', 'int8'],
        ['subject', 'text'],
        ['grant_type', 'text'],
        ['scopes', '_text'],
        ['properties', 'jsonb'],
        ['refresh_token_scopes', '_text'],
        ['cnf', 'jsonb'],
        ['acr', 'text'],
        ['auth_time', 'int8'],
        ['audience', '_text'],
      ]);
      const { rows: indexes } = await pool.query("SELECT indexname FROM pg_indexes WHERE tablename = 'typed' ORDER BY indexname");
      expect(indexes.map((i) => i.indexname)).toEqual([
        'typed_access_token_expires_at_idx',
        'typed_client_id_idx',
        'typed_pkey',
        'typed_subject_idx',
      ]);
      const { rows: comment } = await pool.query("SELECT obj_description('typed'::regclass, 'pg_class') AS comment");
      expect(comment[0].comment).toBe('express-token-guard access tokens, schema 2');
    });

    it('is idempotent, keeps the data, and is safe when several instances run it at once', async () => {
      const stores = Array.from({ length: 6 }, () => new PostgresTokenStore({ pool: newPool({ ...server.connection, max: 1 }), table: 'together' }));
      await Promise.all(stores.map((store) => store.migrate()));
      const kept = live('kept');
      await stores[0]?.save(kept);
      await Promise.all(stores.map((store) => store.migrate()));
      expect(await stores[5]?.findByAccessTokenHash(hashToken('kept'))).toEqual(kept);
    });

    it('works in a schema of its own', async () => {
      const pool = newPool();
      await pool.query('CREATE SCHEMA IF NOT EXISTS auth');
      const store = new PostgresTokenStore({ pool, table: 'auth.tokens' });
      await store.migrate();
      await store.save(live('schema'));
      expect((await pool.query('SELECT count(*)::int AS n FROM auth.tokens')).rows[0].n).toBe(1);
    });

    it('brings a schema-1 table (made by the previous version) to schema 2, keeping every row', async () => {
      const pool = newPool();
      const v1Columns =
        'access_token_hash text PRIMARY KEY, access_token_expires_at bigint, refresh_token_hash text, refresh_token_expires_at bigint, ' +
        'created_at bigint, last_refreshed_at bigint, client_id bigint, subject text, grant_type text, scopes text[], properties jsonb, refresh_token_scopes text[]';
      await pool.query(`CREATE TABLE old_tokens (${v1Columns}); COMMENT ON TABLE old_tokens IS 'express-token-guard access tokens, schema 1'`);
      const kept = live('kept-v1', { subject: 'alice', scopes: ['read'], properties: [{ key: 'k', value: 'v', hidden: true }] });
      await pool.query({
        text: 'INSERT INTO old_tokens (access_token_hash, access_token_expires_at, subject, scopes, properties) VALUES ($1, $2, $3, $4, $5)',
        values: [kept.accessTokenHash, kept.accessTokenExpiresAt, 'alice', ['read'], JSON.stringify(kept.properties)],
      });
      const store = new PostgresTokenStore({ pool, table: 'old_tokens' });
      await store.migrate();
      expect(await store.findByAccessTokenHash(kept.accessTokenHash as string)).toEqual(kept);
      const bound = live('bound-v2', { cnf: { jkt: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs' }, acr: 'urn:mfa', authTime: 1_767_225_600_000, audience: ['https://api.example.com'] });
      await store.save(bound);
      expect(await store.findByAccessTokenHash(bound.accessTokenHash as string)).toEqual(bound);
      const { rows } = await pool.query("SELECT obj_description('old_tokens'::regclass, 'pg_class') AS comment, count(*)::int AS n FROM old_tokens");
      expect(rows[0]).toEqual({ comment: 'express-token-guard access tokens, schema 2', n: 2 });
    });

    it('refuses a table whose schema is newer than this package', async () => {
      const pool = newPool();
      await pool.query("CREATE TABLE future (access_token_hash text PRIMARY KEY); COMMENT ON TABLE future IS 'express-token-guard access tokens, schema 99'");
      await expect(new PostgresTokenStore({ pool, table: 'future' }).migrate()).rejects.toThrow(
        'PostgresTokenStore: table "future" has schema 99, newer than this version of the package knows (2)',
      );
    });

    it('without migrate(), a lookup fails saying to call it, and the guard answers 503', async () => {
      const store = new PostgresTokenStore({ pool: newPool(), table: 'never_migrated' });
      await expect(store.findByAccessTokenHash(hashToken('x'))).rejects.toThrow(
        'PostgresTokenStore: table "never_migrated" does not exist; call await store.migrate() first',
      );
      await expect(store.save(live('x'))).rejects.toThrow('call await store.migrate() first');
      const app = guardedApp(store);
      app.use(capture);
      const res = await request(app).get('/r').set('Authorization', 'Bearer x');
      expect([res.status, res.headers['www-authenticate']]).toEqual([503, C.C0]);
    });
  });

  describe('behind the guard', () => {
    it('two instances with their own pools see each other on the very next request', async () => {
      const storeA = new PostgresTokenStore({ pool: newPool(), table: 'shared' });
      const storeB = new PostgresTokenStore({ pool: newPool(), table: 'shared' });
      await Promise.all([storeA.migrate(), storeB.migrate()]);
      const [appA, appB] = [guardedApp(storeA), guardedApp(storeB)];
      const ask = (app: typeof appA, token: string) => request(app).get('/r').set('Authorization', `Bearer ${token}`);
      await storeA.saveMany([live('p1', { subject: 'gina' }), live('p2', { subject: 'hal' })]);
      expect((await ask(appB, 'p1')).body).toEqual({ subject: 'gina' });
      expect(await storeA.deleteByAccessTokenHash(hashToken('p1'))).toBe(true);
      expect((await ask(appB, 'p1')).status).toBe(401);
      expect(await storeB.deleteBySubject('hal')).toBe(1);
      const refused = await ask(appA, 'p2');
      expect([refused.status, refused.headers['www-authenticate']]).toEqual([401, C.invalidToken]);
    });

    it.each<[string, string, string]>([
      ['properties that are an object', `properties = '{"key":"k"}'::jsonb`, 'properties'],
      ['a client id beyond 2^53-1', 'client_id = 1152921504606846976', 'clientId'],
      ['a NULL inside scopes', "scopes = ARRAY['read', NULL]", 'scopes'],
      ['a property without a value', `properties = '[{"key":"k"}]'::jsonb`, 'properties'],
    ])('a corrupt row (%s) is 401 for that token only, reported to onError', async (_name, assignment, field) => {
      const pool = newPool();
      const table = `corrupt_${++tables}`;
      await expectCorruptionIsolated(
        async (onError) => {
          const store = new PostgresTokenStore({ pool, table, onError });
          await store.migrate();
          return store;
        },
        (hash) => pool.query(`UPDATE ${table} SET ${assignment} WHERE access_token_hash = $1`, [hash]),
        field,
      );
    });
  });

  describe('faults', () => {
    it('a stopped PostgreSQL gives 503; once it is back, requests succeed without restarting the app', async () => {
      const store = new PostgresTokenStore({ pool: newPool(), table: 'restarted', timeoutMs: 2000 });
      await store.migrate();
      await store.save(live('t', { subject: 'jack' }));
      const app = guardedApp(store);
      app.use(capture);
      const ask = () => request(app).get('/r').set('Authorization', 'Bearer t');
      expect((await ask()).body).toEqual({ subject: 'jack' });
      await server.stop();
      try {
        const down = await ask();
        expect([down.status, down.headers['www-authenticate'], down.headers['cache-control']]).toEqual([503, C.C0, 'no-store']);
      } finally {
        await server.startAgain();
      }
      expect((await ask()).body).toEqual({ subject: 'jack' });
    }, 60_000);

    it('a server that accepts and never answers gives 503 after timeoutMs', async () => {
      const sockets: Socket[] = [];
      const silent = createServer((socket) => void sockets.push(socket)).listen(0, '127.0.0.1');
      await once(silent, 'listening');
      const { port } = silent.address() as { port: number };
      try {
        const store = new PostgresTokenStore({ pool: newPool({ ...server.connection, port }), timeoutMs: 150 });
        const app = guardedApp(store);
        app.use(capture);
        const res = await request(app).get('/r').set('Authorization', 'Bearer t');
        expect([res.status, res.headers['www-authenticate']]).toEqual([503, C.C0]);
        expect(causes).toEqual([expect.any(StoreTimeoutError)]);
        expect(causes[0]).toMatchObject({ timeoutMs: 150, message: 'PostgresTokenStore: no answer within 150 ms' });
      } finally {
        sockets.forEach((socket) => socket.destroy());
        silent.close();
      }
    });
  });

  describe('options', () => {
    const pool = { query: async () => ({ rows: [], rowCount: 0 }), connect: async () => ({ query: async () => ({ rows: [], rowCount: 0 }), release() {} }) };
    it.each<[unknown, string]>([
      [undefined, 'PostgresTokenStore: options must be an object, e.g. { pool }'],
      [{}, 'PostgresTokenStore: options.pool must be a node-postgres Pool'],
      [{ pool: 'postgres://x' }, 'PostgresTokenStore: options.pool must be a node-postgres Pool'],
      [{ pool, table: 'a.b.c' }, 'PostgresTokenStore: table must be a table name or schema.table of letters, digits and _ (at most 63 each), not "a.b.c"'],
      [{ pool, table: 'drop table x' }, 'PostgresTokenStore: table must be a table name or schema.table of letters, digits and _ (at most 63 each), not "drop table x"'],
      [{ pool, timeoutMs: -5 }, 'PostgresTokenStore: options.timeoutMs must be a positive number of ms (at most 2^31-1)'],
      [{ pool, onError: 1 }, 'PostgresTokenStore: options.onError must be a function'],
      [{ pool, schema: 'x' }, 'PostgresTokenStore: unknown option "schema" (it takes pool, table, timeoutMs, onError, channel)'],
    ])('refuses bad options %#, naming them', (options, message) => {
      expect(() => new PostgresTokenStore(options as never)).toThrow(expect.objectContaining({ name: 'TypeError', message }));
    });
  });
});
