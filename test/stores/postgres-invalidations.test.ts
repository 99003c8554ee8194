import type pg from 'pg';
import { cachedStore, hashToken } from '../../src/index.js';
import { PostgresTokenStore, postgresInvalidations } from '../../src/stores/postgres.js';
import { HOUR, liveRecord as live } from '../helpers/fixtures.js';
import { connected, delivered, isHash, serve, statuses, type Instance } from '../helpers/instances.js';
import { usePostgres } from '../helpers/postgres-server.js';

const { newPool } = usePostgres();

describe('postgresInvalidations: three instances on one PostgreSQL', () => {
  let instances: Instance[];
  let sql: pg.Pool;
  let tests = 0;
  const table = () => `revocation_${tests}`;
  const channel = () => `revocation_${tests}`;
  const buses = () => instances.map(({ bus }) => bus);
  const others = () => instances.slice(1);

  beforeEach(async () => {
    tests++;
    sql = sql ?? newPool();
    instances = [];
    for (const name of ['A', 'B', 'C']) {
      const pool = newPool();
      const tokens = new PostgresTokenStore({ pool, table: table(), channel: channel() });
      await tokens.migrate();
      const bus = postgresInvalidations({ pool, channel: channel(), retryDelayMs: 20, onError: () => undefined });
      instances.push(serve(name, cachedStore(tokens, { ttlMs: HOUR, invalidations: bus }), bus));
    }
    await Promise.all(buses().map((bus) => connected(bus)));
  });

  afterEach(async () => {
    for (const { server: http, bus, store } of instances) {
      http.close();
      store.close();
      await bus.close();
    }
  });

  it('a token revoked through instance A is refused on B and C, whose caches held it', async () => {
    const [a] = instances as [Instance];
    await a.store.save(live('p1'));
    expect(await statuses(instances, 'p1')).toEqual([['A', 200], ['B', 200], ['C', 200]]);
    expect(await statuses(instances, 'p1')).toEqual([['A', 200], ['B', 200], ['C', 200]]);
    expect(instances.map(({ store }) => store.stats().hits)).toEqual([1, 1, 1]);
    const heard = delivered(buses(), isHash(hashToken('p1')));
    await a.store.deleteByAccessTokenHash(hashToken('p1'));
    await heard;
    expect(await statuses(instances, 'p1')).toEqual([['A', 401], ['B', 401], ['C', 401]]);
  });

  it('a plain SQL DELETE, made by no instance, is refused everywhere', async () => {
    const [a] = instances as [Instance];
    await a.store.save(live('p2'));
    expect(await statuses(instances, 'p2')).toEqual([['A', 200], ['B', 200], ['C', 200]]);
    const heard = delivered(buses(), isHash(hashToken('p2')));
    await sql.query(`DELETE FROM ${table()} WHERE access_token_hash = $1`, [hashToken('p2')]);
    await heard;
    expect(await statuses(instances, 'p2')).toEqual([['A', 401], ['B', 401], ['C', 401]]);
  });

  it('a plain SQL UPDATE that takes a scope away takes it away everywhere', async () => {
    const [a] = instances as [Instance];
    await a.store.save(live('p3', { scopes: ['read', 'write'] }));
    expect(await statuses(instances, 'p3')).toEqual([['A', 200], ['B', 200], ['C', 200]]);
    const heard = delivered(buses(), isHash(hashToken('p3')));
    await sql.query(`UPDATE ${table()} SET scopes = ARRAY['write'] WHERE access_token_hash = $1`, [hashToken('p3')]);
    await heard;
    expect(await statuses(instances, 'p3')).toEqual([['A', 403], ['B', 403], ['C', 403]]);
  });

  it('an UPDATE of the hash itself invalidates the old and the new hash; TRUNCATE flushes everything', async () => {
    const [a] = instances as [Instance];
    await a.store.saveMany([live('p4'), live('p5')]);
    expect(await statuses(instances, 'p4')).toEqual([['A', 200], ['B', 200], ['C', 200]]);
    const both = Promise.all([delivered(buses(), isHash(hashToken('p4'))), delivered(buses(), isHash(hashToken('p6')))]);
    await sql.query(`UPDATE ${table()} SET access_token_hash = $2 WHERE access_token_hash = $1`, [hashToken('p4'), hashToken('p6')]);
    await both;
    expect(await statuses(others(), 'p4')).toEqual([['B', 401], ['C', 401]]);
    expect(await statuses(others(), 'p5')).toEqual([['B', 200], ['C', 200]]);
    const flushed = delivered(buses(), (invalidation) => 'all' in invalidation);
    await sql.query(`TRUNCATE ${table()}`);
    await flushed;
    expect(instances.map(({ store }) => store.stats().size)).toEqual([0, 0, 0]);
    expect(await statuses(instances, 'p5')).toEqual([['A', 401], ['B', 401], ['C', 401]]);
  });

  it('when the LISTEN connections are killed, caches flush and bypass; a DELETE meanwhile is refused after reconnection', async () => {
    const [a] = instances as [Instance];
    await a.store.save(live('p7'));
    expect(await statuses(instances, 'p7')).toEqual([['A', 200], ['B', 200], ['C', 200]]);
    const down = Promise.all(buses().map((bus) => connected(bus, false)));
    const { rows } = await sql.query(
      "SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE query = $1",
      [`LISTEN "${channel()}"`],
    );
    expect(rows).toEqual([{ killed: true }, { killed: true }, { killed: true }]);
    await down;
    expect(instances.map(({ store }) => store.stats().size)).toEqual([0, 0, 0]);
    await sql.query(`DELETE FROM ${table()} WHERE access_token_hash = $1`, [hashToken('p7')]);
    await Promise.all(buses().map((bus) => connected(bus)));
    expect(await statuses(instances, 'p7')).toEqual([['A', 401], ['B', 401], ['C', 401]]);
  });

  it('migrate() installs the triggers once, and moves them when the channel changes', async () => {
    const triggers = async () =>
      (
        await sql.query(
          'SELECT tgname, encode(tgargs, $2) AS args FROM pg_trigger WHERE tgrelid = to_regclass($1) ORDER BY tgname',
          [table(), 'escape'],
        )
      ).rows;
    expect(await triggers()).toEqual([
      { tgname: 'token_guard_notify', args: `${channel()}\\000` },
      { tgname: 'token_guard_notify_truncate', args: `${channel()}\\000` },
    ]);
    await new PostgresTokenStore({ pool: sql, table: table(), channel: 'elsewhere' }).migrate();
    expect(await triggers()).toEqual([
      { tgname: 'token_guard_notify', args: 'elsewhere\\000' },
      { tgname: 'token_guard_notify_truncate', args: 'elsewhere\\000' },
    ]);
  });

  it('checks its options, naming them', () => {
    expect(() => postgresInvalidations({ pool: sql, chanel: 'x' } as never)).toThrow(
      'postgresInvalidations: unknown option "chanel" (it takes pool, channel, retryDelayMs, onError)',
    );
    expect(() => postgresInvalidations({} as never)).toThrow('postgresInvalidations: options.pool must be a node-postgres Pool');
    expect(() => postgresInvalidations({ pool: sql, channel: 'x'.repeat(64) })).toThrow(
      'postgresInvalidations: options.channel must be 1 to 63 bytes, without NUL',
    );
    expect(() => postgresInvalidations({ pool: sql, retryDelayMs: 0 })).toThrow(
      'postgresInvalidations: options.retryDelayMs must be a number of ms from 1 to 2^31-1',
    );
    expect(() => new PostgresTokenStore({ pool: sql, channel: '' })).toThrow('PostgresTokenStore: options.channel must be 1 to 63 bytes, without NUL');
  });
});
