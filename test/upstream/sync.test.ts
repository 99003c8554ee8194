import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryTokenStore, UpstreamError, hashToken, type AccessToken, type WritableTokenStore } from '../../src/index.js';
import { PostgresTokenStore } from '../../src/stores/postgres.js';
import { SqliteTokenStore } from '../../src/stores/sqlite.js';
import { startFakeAuthlete, type FakeAuthlete, type FakeAuthleteCall, type FakeAuthleteReply } from '../../src/testing/index.js';
import { AUTHLETE_PAGE_SIZE, syncFromAuthlete, type SyncFromAuthleteOptions } from '../../src/upstream/authlete.js';
import { HOUR } from '../helpers/fixtures.js';
import { usePostgres } from '../helpers/postgres-server.js';

// syncFromAuthlete pulls Authlete's token list page by page into any writable store: here a real
// SQLite file and a real PostgreSQL, from the fake Authlete.

const { newPool } = usePostgres();
const dir = mkdtempSync(join(tmpdir(), 'etg-sync-'));
const database = new Database(join(dir, 'tokens.db'));
const now = Date.now();

// As Authlete's token list sends them: camelCase, every field, nulls where absent.
const records: AccessToken[] = Array.from({ length: 95 }, (_, i) => ({
  accessTokenHash: hashToken(`token-${i}`),
  accessTokenExpiresAt: now + HOUR + i,
  refreshTokenHash: hashToken(`refresh-${i}`),
  refreshTokenExpiresAt: now + 24 * HOUR,
  createdAt: now - i,
  lastRefreshedAt: 0,
  clientId: 1000 + (i % 3),
  subject: `user-${i % 10}`,
  grantType: 'AUTHORIZATION_CODE',
  scopes: ['openid', 'read'],
  properties: [{ key: 'n', value: String(i), hidden: i % 2 === 0 }],
  refreshTokenScopes: ['openid'],
}));
const tokens = Object.fromEntries(records.map((record, i) => [`token-${i}`, record]));

let fake: FakeAuthlete;
let reply: ((call: FakeAuthleteCall) => FakeAuthleteReply | undefined) | undefined;
beforeAll(async () => {
  fake = await startFakeAuthlete({ tokens, intercept: (call) => reply?.(call) });
});
afterAll(async () => {
  await fake.close();
  database.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  reply = undefined;
  fake.calls.length = 0;
});

let tables = 0;
const stores: Array<[string, () => Promise<WritableTokenStore & { findByAccessTokenHash(hash: string): unknown }>]> = [
  ['SQLite', async () => new SqliteTokenStore({ database, table: `sync_${++tables}` })],
  [
    'PostgreSQL',
    async () => {
      const store = new PostgresTokenStore({ pool: newPool(), table: `sync_${++tables}` });
      await store.migrate();
      return store;
    },
  ],
];

const sync = (store: WritableTokenStore, more: Partial<SyncFromAuthleteOptions> = {}) =>
  syncFromAuthlete({ store, baseUrl: fake.baseUrl, serviceId: fake.serviceId, accessToken: fake.accessToken, ...more });

describe.each(stores)('syncFromAuthlete into %s', (_name, makeStore) => {
  it('pulls 95 records over 5 pages of 20, start and end always sent, and stores each exactly', async () => {
    const store = await makeStore();
    const progress: Array<{ done: number; total: number }> = [];
    await expect(sync(store, { onProgress: (p) => progress.push(p) })).resolves.toEqual({ saved: 95, total: 95 });
    expect(fake.calls.map(({ method, path }) => `${method} ${path}`)).toEqual(
      [0, 20, 40, 60, 80].map((start) => `GET /api/${fake.serviceId}/auth/token/get/list?start=${start}&end=${start + 20}`),
    );
    expect(progress).toEqual([20, 40, 60, 80, 95].map((done) => ({ done, total: 95 })));
    for (const record of [records[0], records[47], records[94]] as AccessToken[]) {
      expect(await store.findByAccessTokenHash(record.accessTokenHash as string)).toEqual(record);
    }
  });

  it('a failing page 3 rejects with an UpstreamError naming the page and the status, and leaves pages 1 and 2', async () => {
    const store = await makeStore();
    reply = (call) => (call.path.includes('start=40&') ? { status: 500, body: '{"resultCode":"A001101","resultMessage":"[A001101] oops"}' } : undefined);
    const error = (await sync(store).catch((rejection: unknown) => rejection)) as UpstreamError;
    expect(error).toBeInstanceOf(UpstreamError);
    expect([error.message, error.status, error.resultCode]).toEqual(['Authlete token list, page 40–60 answered HTTP 500 (A001101)', 500, 'A001101']);
    expect(fake.calls).toHaveLength(3);
    expect(await store.findByAccessTokenHash(records[39]?.accessTokenHash as string)).toEqual(records[39]);
    expect(await store.findByAccessTokenHash(records[40]?.accessTokenHash as string)).toBeUndefined();
  });
});

describe('syncFromAuthlete', () => {
  it('filters by subject and client, as Authlete does', async () => {
    const store = new MemoryTokenStore();
    await expect(sync(store, { subject: 'user-3', clientIdentifier: '1000' })).resolves.toEqual({ saved: 4, total: 4 });
    expect(fake.calls.map(({ path }) => path)).toEqual([`/api/${fake.serviceId}/auth/token/get/list?start=0&end=20&clientIdentifier=1000&subject=user-3`]);
    expect(store.size).toBe(4);
  });

  it('a network failure names the page and keeps the failure as cause', async () => {
    const closed = await startFakeAuthlete({ tokens: {} });
    await closed.close();
    const error = (await sync(new MemoryTokenStore(), { baseUrl: closed.baseUrl }).catch((rejection: unknown) => rejection)) as UpstreamError;
    expect([error.message, 'status' in error, (error.cause as Error).message]).toEqual([
      'Authlete token list, page 0–20: the request failed (ECONNREFUSED)',
      false,
      'fetch failed',
    ]);
  });

  it('a bad record rejects with its field and its position, after writing the pages before it', async () => {
    const store = new MemoryTokenStore();
    reply = (call) => {
      if (!call.path.includes('start=20&')) return undefined;
      const page = records.slice(20, 40).map((record, i) => (i === 3 ? { ...record, scopes: 'read' } : record));
      return { status: 200, body: JSON.stringify({ start: 20, end: 40, totalCount: 95, accessTokens: page }) };
    };
    await expect(sync(store)).rejects.toThrow(
      'syncFromAuthlete: record 24 of 95 (accessTokens[3] of Authlete token list, page 20–40): parseAccessToken: scopes must be an array of strings',
    );
    expect(store.size).toBe(20);
  });

  it('a wrong service token is an UpstreamError with Authlete\'s resultCode', async () => {
    const error = (await sync(new MemoryTokenStore(), { accessToken: 'wrong' }).catch((rejection: unknown) => rejection)) as UpstreamError;
    expect([error.message, error.status, error.resultCode]).toEqual(['Authlete token list, page 0–20 answered HTTP 401 (A001202)', 401, 'A001202']);
  });

  it('asks for at most 20 a page', () => {
    expect(AUTHLETE_PAGE_SIZE).toBe(20);
  });

  it.each([
    [{ store: {} }, 'syncFromAuthlete: options.store must be a writable token store (with saveMany)'],
    [{ store: new MemoryTokenStore(), baseUrl: 'ftp://x' }, 'syncFromAuthlete: options.baseUrl must be an https URL (http only on localhost, 127.0.0.1 or [::1]), not "ftp://x"'],
    [{ store: new MemoryTokenStore(), baseUrl: 'https://us.authlete.com', serviceId: 1, accessToken: 't', page: 5 }, 'syncFromAuthlete: unknown option "page"'],
    [{ store: new MemoryTokenStore(), baseUrl: 'https://us.authlete.com', serviceId: 1, accessToken: 't', onProgress: 1 }, 'syncFromAuthlete: options.onProgress must be a function'],
  ])('checks its options: %#', async (given, message) => {
    await expect(syncFromAuthlete(given as unknown as SyncFromAuthleteOptions)).rejects.toThrow(message);
  });
});
