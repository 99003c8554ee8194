import assert from 'node:assert/strict';
import { hashToken } from '../core/hash.js';
import type { AccessToken } from '../core/record.js';
import type { ListableTokenStore, TokenListQuery, WritableTokenStore } from '../core/store.js';

/** What differs between backends; the suite adapts its expectations to it. */
export interface StoreCapabilities {
  /**
   * The backend drops a record once its `accessTokenExpiresAt` has passed (Redis key expiry), so an
   * already-expired record may not come back after `save`. Default `false`: it comes back unchanged.
   */
  dropsExpired?: boolean;
  /** The store has `deleteExpired(now?)`, which resolves to how many records it deleted. Default `false`. */
  deleteExpired?: boolean;
  /**
   * How the store's `list(query?)` (`ListableTokenStore`) pages, where it has one: `'keyset'` (at most
   * `limit` records a page, each record once: the SQL and memory stores), or `'scan'` (Redis `SCAN`:
   * pages of about `limit`, and a record may come twice). `false` leaves `list` untested. Default
   * `'keyset'`. A store without `list` passes the list cases: the contract does not require it.
   */
  list?: 'keyset' | 'scan' | false;
}

/**
 * The test runner's functions. `describe` and `it` are required; the suite asserts with
 * `node:assert`, so it runs under jest, vitest, mocha and `node:test` alike.
 */
export interface StoreContractOptions {
  /** Opens the suite's one group, `{name} (store contract)`; called once, synchronously. */
  describe: (name: string, fn: () => void) => unknown;
  /** Declares one case; each case gets a fresh store from `makeStore`. */
  it: (name: string, fn: () => Promise<void>) => unknown;
  /** Accepted so that a runner's hooks can be passed as they come; the suite does not call it. */
  beforeEach?: (fn: () => Promise<void>) => unknown;
  /**
   * Registers the hook that closes every store a case opened (`close()`, where a store has one).
   * Without it, each case closes its own stores in a `finally`.
   */
  afterEach?: (fn: () => Promise<void>) => unknown;
  /** What the backend does beyond the contract; each field's default is stated on {@link StoreCapabilities}. */
  capabilities?: StoreCapabilities;
}

/** A store the suite can check: writable, with `deleteExpired` when the capability says so, and `list` where it has one. */
export type ContractStore = WritableTokenStore &
  Partial<Pick<ListableTokenStore, 'list'>> & {
    /**
     * Deletes every record whose `accessTokenExpiresAt` is `now` or earlier, or absent or `0`, and
     * resolves to how many it deleted. `now` is ms since the epoch, default `Date.now()`. Tested only
     * with the `deleteExpired` capability.
     */
    deleteExpired?(now?: number): Promise<number>;
  };

const HOUR = 3_600_000;
const MAX_CLIENT_ID = 2 ** 53 - 1;

/**
 * Runs the writable-store contract against a store: the same cases every store in this package
 * passes. `makeStore` is called for every case and must give a store whose backend holds no records
 * yet (a fresh table or key prefix); it may be async. A store's `close()`, if it has one, is called
 * after each case.
 *
 * @example
 * // jest
 * import { storeContract } from 'express-token-guard/testing';
 * storeContract('MyStore', () => new MyStore({ client, prefix: `test-${n++}:` }), { describe, it });
 *
 * @example
 * // node:test
 * import { describe, it } from 'node:test';
 * storeContract('MyStore', makeStore, { describe, it, capabilities: { dropsExpired: true } });
 */
export function storeContract(
  name: string,
  makeStore: () => ContractStore | Promise<ContractStore>,
  options: StoreContractOptions,
): void {
  const { describe, it, capabilities = {} } = options;
  const paging = capabilities.list ?? 'keyset';
  const opened: ContractStore[] = [];
  const newStore = async (): Promise<ContractStore> => {
    const store = await makeStore();
    opened.push(store);
    return store;
  };
  const closeAll = async (): Promise<void> => {
    for (const store of opened.splice(0)) await store.close?.();
  };

  // Where the runner has no afterEach, each case closes its own stores.
  const test = (title: string, body: (store: ContractStore) => Promise<void>): unknown =>
    it(title, async () => {
      try {
        await body(await newStore());
      } finally {
        if (options.afterEach === undefined) await closeAll();
      }
    });

  describe(`${name} (store contract)`, () => {
    options.afterEach?.(closeAll);

    test('saves and finds a full record exactly', async (store) => {
      const full = record('full', {
        accessTokenExpiresAt: Date.now() + HOUR,
        refreshTokenHash: hashToken('full-refresh'),
        refreshTokenExpiresAt: Date.now() + 24 * HOUR,
        createdAt: Date.now() - HOUR,
        lastRefreshedAt: 0,
        clientId: MAX_CLIENT_ID,
        subject: 'alice',
        grantType: 'AUTHORIZATION_CODE',
        scopes: ['read', 'write', 'https://api.example.com/items'],
        properties: [
          { key: 'tenant', value: 'acme', hidden: false },
          { key: 'plan', value: 'gold', hidden: true },
          { key: 'note', value: 'ünïcödé "quoted" \\ {}' },
        ],
        refreshTokenScopes: ['read'],
        cnf: { jkt: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I', 'x5t#S256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2' },
        acr: 'urn:mace:incommon:iap:silver',
        authTime: Date.now() - 60_000,
        audience: ['https://api.example.com', 'https://other.example.com'],
      });
      await store.save(full);
      assert.deepStrictEqual(await store.findByAccessTokenHash(full.accessTokenHash as string), full);
    });

    test('keeps each binding on its own: a DPoP key alone, a certificate alone, an empty audience', async (store) => {
      const dpop = record('dpop', { cnf: { jkt: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs' } });
      const mtls = record('mtls', { cnf: { 'x5t#S256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2' }, audience: [] });
      await store.save(dpop);
      await store.save(mtls);
      assert.deepStrictEqual(await store.findByAccessTokenHash(dpop.accessTokenHash as string), dpop);
      assert.deepStrictEqual(await store.findByAccessTokenHash(mtls.accessTokenHash as string), mtls);
    });

    test('refuses a cnf with another member or an empty thumbprint, naming the field', async (store) => {
      await assert.rejects(store.save(record('cnf-1', { cnf: { jwk: {} } as never })), refusal('cnf'));
      await assert.rejects(store.save(record('cnf-2', { cnf: { jkt: '' } })), refusal('cnf'));
      await assert.rejects(store.save(record('cnf-3', { cnf: {} })), refusal('cnf'));
      await assert.rejects(store.save(record('auth-time', { authTime: 1.5 })), refusal('authTime'));
    });

    test('keeps absent fields absent and empty arrays empty', async (store) => {
      const sparse = record('sparse');
      const empty = record('empty', { scopes: [], properties: [], refreshTokenScopes: [], subject: '' });
      await store.save(sparse);
      await store.save(empty);
      assert.deepStrictEqual(await store.findByAccessTokenHash(sparse.accessTokenHash as string), sparse);
      assert.deepStrictEqual(await store.findByAccessTokenHash(empty.accessTokenHash as string), empty);
    });

    test('passes unknown grant types through and drops fields it does not know', async (store) => {
      const future = record('future', { grantType: 'SOME_FUTURE_GRANT' });
      await store.save({ ...future, accessToken: 'raw-token-never-stored' } as AccessToken);
      assert.deepStrictEqual(await store.findByAccessTokenHash(future.accessTokenHash as string), future);
    });

    test('returns undefined for a hash it does not hold', async (store) => {
      assert.equal(await store.findByAccessTokenHash(hashToken('nothing')), undefined);
    });

    test('save is an upsert keyed by accessTokenHash', async (store) => {
      await store.save(record('upsert', { subject: 'first', scopes: ['a'] }));
      const second = record('upsert', { subject: 'second', scopes: ['b'], clientId: 2 });
      await store.save(second);
      assert.deepStrictEqual(await store.findByAccessTokenHash(second.accessTokenHash as string), second);
    });

    test('refuses a record without accessTokenHash, naming the field', async (store) => {
      await assert.rejects(store.save({ subject: 'x', accessTokenExpiresAt: Date.now() + HOUR }), refusal('accessTokenHash'));
      await assert.rejects(store.save({ accessTokenHash: '' }), refusal('accessTokenHash'));
    });

    test('refuses fields of the wrong type, naming them', async (store) => {
      const cases: Array<[string, Record<string, unknown>]> = [
        ['accessTokenExpiresAt', { accessTokenExpiresAt: String(Date.now() + HOUR) }],
        ['clientId', { clientId: '1001' }],
        ['clientId', { clientId: MAX_CLIENT_ID + 1 }],
        ['scopes', { scopes: 'read' }],
        ['properties', { properties: [{ key: 'k', value: 1 }] }],
        ['subject', { subject: null }],
      ];
      for (const [field, fields] of cases) {
        await assert.rejects(store.save({ ...record('typed'), ...fields } as AccessToken), refusal(field));
      }
      assert.equal(await store.findByAccessTokenHash(hashToken('typed')), undefined);
    });

    test('saveMany writes every record', async (store) => {
      const records = ['m1', 'm2', 'm3'].map((token) => record(token, { subject: token }));
      await store.saveMany(records);
      for (const expected of records) {
        assert.deepStrictEqual(await store.findByAccessTokenHash(expected.accessTokenHash as string), expected);
      }
    });

    test('saveMany([]) is a no-op', async (store) => {
      await store.saveMany([]);
      assert.equal(await store.findByAccessTokenHash(hashToken('m1')), undefined);
    });

    test('saveMany writes nothing when one record is refused', async (store) => {
      const good = record('good');
      const kept = record('kept', { subject: 'before' });
      await store.save(kept);
      await assert.rejects(
        store.saveMany([good, { ...kept, subject: 'after' }, { subject: 'no hash' } as AccessToken]),
        refusal('accessTokenHash'),
      );
      assert.equal(await store.findByAccessTokenHash(good.accessTokenHash as string), undefined);
      assert.deepStrictEqual(await store.findByAccessTokenHash(kept.accessTokenHash as string), kept);
    });

    test('deleteByAccessTokenHash says whether there was a record', async (store) => {
      const gone = record('gone');
      await store.save(gone);
      assert.equal(await store.deleteByAccessTokenHash(gone.accessTokenHash as string), true);
      assert.equal(await store.findByAccessTokenHash(gone.accessTokenHash as string), undefined);
      assert.equal(await store.deleteByAccessTokenHash(gone.accessTokenHash as string), false);
    });

    test('deleteBySubject deletes exactly the tokens of that subject', async (store) => {
      await store.saveMany([
        record('a1', { subject: 'alice' }),
        record('a2', { subject: 'alice', clientId: 1 }),
        record('a3', { subject: 'alice', clientId: 2 }),
        record('b1', { subject: 'bob', clientId: 1 }),
        record('n1', { clientId: 1 }),
      ]);
      assert.equal(await store.deleteBySubject('alice'), 3);
      for (const token of ['a1', 'a2', 'a3']) assert.equal(await store.findByAccessTokenHash(hashToken(token)), undefined);
      for (const token of ['b1', 'n1']) assert.notEqual(await store.findByAccessTokenHash(hashToken(token)), undefined);
      assert.equal(await store.deleteBySubject('alice'), 0);
      assert.equal(await store.deleteBySubject('nobody'), 0);
    });

    test('deleteByClientId deletes exactly the tokens of that client', async (store) => {
      await store.saveMany([
        record('c1', { clientId: 1, subject: 'alice' }),
        record('c2', { clientId: 1 }),
        record('c3', { clientId: MAX_CLIENT_ID }),
        record('c4', { subject: 'alice' }),
      ]);
      assert.equal(await store.deleteByClientId(1), 2);
      assert.equal(await store.findByAccessTokenHash(hashToken('c1')), undefined);
      assert.notEqual(await store.findByAccessTokenHash(hashToken('c3')), undefined);
      assert.equal(await store.deleteByClientId(MAX_CLIENT_ID), 1);
      assert.notEqual(await store.findByAccessTokenHash(hashToken('c4')), undefined);
      assert.equal(await store.deleteByClientId(1), 0);
    });

    test('subjects with * ? [ { } : and spaces are plain strings', async (store) => {
      const subjects = ['*', 'a*', 'a?', '[a]', '{a}', '{', 'a:b', 'a:*', 'user name', '%', '_', 'ab'];
      await store.saveMany(subjects.map((subject, i) => record(`s${i}`, { subject })));
      for (const [i, subject] of subjects.entries()) {
        assert.equal(await store.deleteBySubject(subject), 1, `deleteBySubject(${JSON.stringify(subject)})`);
        assert.equal(await store.findByAccessTokenHash(hashToken(`s${i}`)), undefined);
        for (const later of subjects.slice(i + 1).keys()) {
          assert.notEqual(await store.findByAccessTokenHash(hashToken(`s${i + 1 + later}`)), undefined);
        }
      }
    });

    test('an upsert that changes subject or client moves the token between the indexes', async (store) => {
      await store.save(record('moving', { subject: 'old', clientId: 1 }));
      await store.save(record('moving', { subject: 'new', clientId: 2 }));
      assert.equal(await store.deleteBySubject('old'), 0);
      assert.equal(await store.deleteByClientId(1), 0);
      assert.notEqual(await store.findByAccessTokenHash(hashToken('moving')), undefined);
      assert.equal(await store.deleteByClientId(2), 1);
      await store.save(record('moving', { subject: 'new' }));
      await store.save(record('moving'));
      assert.equal(await store.deleteBySubject('new'), 0);
      assert.equal(await store.deleteByAccessTokenHash(hashToken('moving')), true);
    });

    test('saving an already-expired record is allowed', async (store) => {
      const expired = record('expired', { accessTokenExpiresAt: Date.now() - HOUR, subject: 'late' });
      await store.save(expired);
      const found = await store.findByAccessTokenHash(expired.accessTokenHash as string);
      if (capabilities.dropsExpired) assert.equal(found, undefined);
      else assert.deepStrictEqual(found, expired);
    });

    if (capabilities.deleteExpired) {
      test('deleteExpired deletes the records whose access token has expired at now', async (store) => {
        const now = Date.now();
        await store.saveMany([
          record('x1', { accessTokenExpiresAt: now - 1 }),
          record('x2', { accessTokenExpiresAt: now }),
          record('x3', { accessTokenExpiresAt: 0 }),
          record('x4', { accessTokenExpiresAt: undefined }),
          record('live', { accessTokenExpiresAt: now + 1 }),
        ]);
        assert.equal(typeof store.deleteExpired, 'function');
        assert.equal(await store.deleteExpired?.(now), 4);
        assert.notEqual(await store.findByAccessTokenHash(hashToken('live')), undefined);
        assert.equal(await store.findByAccessTokenHash(hashToken('x2')), undefined);
        assert.equal(await store.deleteExpired?.(now + 1), 1);
      });
    }

    if (paging !== false) {
      // Every record of the listing of `query`, page by page; for 'keyset', each page at most `limit`.
      const listAll = async (store: ListableTokenStore, query: TokenListQuery = {}): Promise<AccessToken[]> => {
        const records: AccessToken[] = [];
        let after: string | undefined;
        for (let pages = 0; pages < 1000; pages++) {
          const page = await store.list(after === undefined ? query : { ...query, after });
          assert.ok(Array.isArray(page.records), 'list() resolves to { records, next? }');
          if (paging === 'keyset' && query.limit !== undefined) assert.ok(page.records.length <= query.limit, `a page holds at most ${query.limit}`);
          records.push(...page.records);
          if (page.next === undefined) return paging === 'keyset' ? records : unique(records);
          assert.equal(typeof page.next, 'string');
          after = page.next;
        }
        return assert.fail('list() gave a next page 1000 times');
      };
      // The list cases, for a store that has list().
      const listTest = (title: string, body: (store: ContractStore & ListableTokenStore) => Promise<void>): unknown =>
        test(`list, where the store has it: ${title}`, async (store) => {
          if (typeof store.list === 'function') await body(store as ContractStore & ListableTokenStore);
        });

      listTest('pages through every record, each once', async (store) => {
        const records = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7'].map((token, i) =>
          record(token, { subject: i % 2 === 0 ? 'alice' : 'bob', clientId: i, scopes: [`s${i}`] }),
        );
        await store.saveMany(records);
        assert.deepStrictEqual(byHash(await listAll(store, { limit: 3 })), byHash(records));
        assert.deepStrictEqual(byHash(await listAll(store, { limit: 1 })), byHash(records));
        assert.deepStrictEqual(byHash(await listAll(store)), byHash(records));
      });

      listTest('an empty store lists nothing', async (store) => {
        assert.deepStrictEqual(await listAll(store), []);
        assert.deepStrictEqual(await listAll(store, { subject: 'alice', limit: 5 }), []);
      });

      listTest('filters by subject, by client, and by both', async (store) => {
        const records = [
          record('f1', { subject: 'alice', clientId: 1 }),
          record('f2', { subject: 'alice', clientId: 2 }),
          record('f3', { subject: 'bob', clientId: 1 }),
          record('f4', { clientId: 1 }),
          record('f5', { subject: '*' }),
          record('f6', { subject: 'a*', clientId: MAX_CLIENT_ID }),
        ];
        await store.saveMany(records);
        const hashes = async (query: TokenListQuery) => byHash(await listAll(store, { ...query, limit: 2 })).map(({ accessTokenHash }) => accessTokenHash);
        const of = (...tokens: string[]) => byHash(tokens.map((token) => record(token))).map(({ accessTokenHash }) => accessTokenHash);
        assert.deepStrictEqual(await hashes({ subject: 'alice' }), of('f1', 'f2'));
        assert.deepStrictEqual(await hashes({ clientId: 1 }), of('f1', 'f3', 'f4'));
        assert.deepStrictEqual(await hashes({ subject: 'alice', clientId: 1 }), of('f1'));
        assert.deepStrictEqual(await hashes({ subject: '*' }), of('f5'));
        assert.deepStrictEqual(await hashes({ clientId: MAX_CLIENT_ID }), of('f6'));
        assert.deepStrictEqual(await hashes({ subject: 'carol' }), []);
        assert.deepStrictEqual(await hashes({ clientId: 3 }), []);
      });

      listTest('expired compares accessTokenExpiresAt with now, absent and 0 counting as expired', async (store) => {
        const now = Date.now();
        const live = [
          record('e1', { accessTokenExpiresAt: now + HOUR, subject: 'alice' }),
          record('e2', { accessTokenExpiresAt: now + 2 * HOUR }),
          record('e3', { accessTokenExpiresAt: now + 2 * HOUR + 1, subject: 'alice' }),
        ];
        // A backend that drops expired records has none of these to list.
        const gone = capabilities.dropsExpired
          ? []
          : [record('x1', { accessTokenExpiresAt: now - 1 }), record('x2', { accessTokenExpiresAt: 0 }), record('x3', { accessTokenExpiresAt: undefined })];
        await store.saveMany([...live, ...gone]);
        const later = now + 2 * HOUR;
        const [e1, e2, e3] = live;
        assert.deepStrictEqual(byHash(await listAll(store, { expired: true, now: later, limit: 2 })), byHash([e1, e2, ...gone]));
        assert.deepStrictEqual(byHash(await listAll(store, { expired: false, now: later })), byHash([e3]));
        assert.deepStrictEqual(byHash(await listAll(store, { expired: true, now: later, subject: 'alice' })), byHash([e1]));
        assert.deepStrictEqual(byHash(await listAll(store, { expired: true })), byHash(gone));
        assert.deepStrictEqual(byHash(await listAll(store, { expired: false })), byHash(live));
      });

      listTest('goes on past records deleted between pages, the last one listed included', async (store) => {
        const records = ['d1', 'd2', 'd3', 'd4', 'd5', 'd6'].map((token) => record(token));
        await store.saveMany(records);
        const first = await store.list({ limit: 2 });
        assert.notEqual(first.next, undefined);
        for (const { accessTokenHash } of first.records) await store.deleteByAccessTokenHash(accessTokenHash as string);
        const rest = byHash(await listAll(store, { after: first.next as string, limit: 2 }));
        const listed = new Set(first.records.map(({ accessTokenHash }) => accessTokenHash));
        const left = records.filter(({ accessTokenHash }) => !listed.has(accessTokenHash));
        // SCAN may return again what it returned before; the keyset returns each record once.
        assert.deepStrictEqual(paging === 'keyset' ? rest : rest.filter(({ accessTokenHash }) => !listed.has(accessTokenHash)), byHash(left));
      });

      listTest('refuses a query of the wrong type, naming the field', async (store) => {
        const cases: Array<[string, Record<string, unknown>]> = [
          ['limit', { limit: 0 }],
          ['limit', { limit: 1001 }],
          ['limit', { limit: 1.5 }],
          ['limit', { limit: '10' }],
          ['subject', { subject: 5 }],
          ['clientId', { clientId: '1' }],
          ['expired', { expired: 'yes' }],
          ['now', { now: '2026-01-01' }],
          ['after', { after: 5 }],
          ['after', { after: '' }],
          ['subjects', { subjects: 'alice' }],
        ];
        for (const [field, query] of cases) await assert.rejects(store.list(query as TokenListQuery), refusal(field));
        await assert.rejects(store.list(null as unknown as TokenListQuery), refusal('query'));
      });
    }
  });
}

function record(token: string, fields: { [K in keyof AccessToken]?: AccessToken[K] | undefined } = {}): AccessToken {
  const base: AccessToken = { accessTokenHash: hashToken(token), accessTokenExpiresAt: Date.now() + HOUR };
  const merged: Record<string, unknown> = { ...base, ...fields };
  for (const key of Object.keys(merged)) if (merged[key] === undefined) delete merged[key];
  return merged as AccessToken;
}

function byHash(records: readonly (AccessToken | undefined)[]): AccessToken[] {
  return [...records].map((found) => found as AccessToken).sort((a, b) => ((a.accessTokenHash as string) < (b.accessTokenHash as string) ? -1 : 1));
}

function unique(records: readonly AccessToken[]): AccessToken[] {
  return [...new Map(records.map((found) => [found.accessTokenHash, found])).values()];
}

function refusal(field: string): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof TypeError, `expected a TypeError, got ${String(error)}`);
    assert.match(error.message, new RegExp(`\\b${field}\\b`), `the message should name ${field}`);
    return true;
  };
}
