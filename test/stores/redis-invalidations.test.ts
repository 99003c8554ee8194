import { createClient } from 'redis';
import { cachedStore, hashToken } from '../../src/index.js';
import { RedisTokenStore, redisInvalidations } from '../../src/stores/redis.js';
import { HOUR, liveRecord as live } from '../helpers/fixtures.js';
import { connected, delivered, isHash, serve, statuses, type Instance } from '../helpers/instances.js';
import { RedisServer, redisAvailable } from '../helpers/redis-server.js';

const describeRedis = redisAvailable() ? describe : describe.skip;


describeRedis('redisInvalidations: three instances on one Redis', () => {
  let server: RedisServer;
  const clients: Array<{ quit(): Promise<unknown> }> = [];
  let instances: Instance[];
  let admin: RedisTokenStore;
  let tests = 0;
  const prefix = () => `inv-${tests}:`;
  const channel = () => `inv-${tests}:channel`;

  async function newClient() {
    const client = createClient({ url: server.url });
    client.on('error', () => undefined);
    await client.connect();
    clients.push(client);
    return client;
  }

  beforeAll(async () => {
    server = await RedisServer.start();
  }, 30_000);

  beforeEach(async () => {
    tests++;
    instances = [];
    for (const name of ['A', 'B', 'C']) {
      const client = await newClient();
      const bus = redisInvalidations({ client, channel: channel(), probeIntervalMs: 20, onError: () => undefined });
      const store = cachedStore(new RedisTokenStore({ client, prefix: prefix(), channel: channel() }), { ttlMs: HOUR, invalidations: bus });
      instances.push(serve(name, store, bus));
    }
    // What the CLI or an importer would use: the store alone, no cache.
    admin = new RedisTokenStore({ client: await newClient(), prefix: prefix(), channel: channel() });
    await Promise.all(instances.map(({ bus }) => connected(bus)));
  });

  afterEach(async () => {
    for (const { server: http, bus, store } of instances) {
      http.close();
      store.close();
      await bus.close();
    }
  });

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.quit().catch(() => undefined)));
    await server?.stop();
  });

  const others = () => instances.slice(1);
  const buses = () => instances.map(({ bus }) => bus);

  it('a token revoked through instance A is refused on B and C, whose caches held it', async () => {
    const [a] = instances as [Instance];
    await a.store.save(live('t1', { subject: 'alice' }));
    expect(await statuses(instances, 't1')).toEqual([['A', 200], ['B', 200], ['C', 200]]);
    expect(await statuses(instances, 't1')).toEqual([['A', 200], ['B', 200], ['C', 200]]);
    expect(instances.map(({ store }) => store.stats().hits)).toEqual([1, 1, 1]);
    const heard = delivered(buses(), isHash(hashToken('t1')));
    expect(await a.store.deleteByAccessTokenHash(hashToken('t1'))).toBe(true);
    await heard;
    expect(await statuses(instances, 't1')).toEqual([['A', 401], ['B', 401], ['C', 401]]);
  });

  it('an upsert that takes a scope away through A takes it away on B and C', async () => {
    const [a] = instances as [Instance];
    await a.store.save(live('t2', { scopes: ['read'] }));
    expect(await statuses(instances, 't2')).toEqual([['A', 200], ['B', 200], ['C', 200]]);
    const heard = delivered(buses(), isHash(hashToken('t2')));
    await a.store.save(live('t2', { scopes: ['other'] }));
    await heard;
    expect(await statuses(instances, 't2')).toEqual([['A', 403], ['B', 403], ['C', 403]]);
  });

  it('deleting a subject through A refuses all its tokens on B and C', async () => {
    const [a] = instances as [Instance];
    await a.store.saveMany([live('t3', { subject: 'bob' }), live('t4', { subject: 'bob' }), live('t5', { subject: 'carol' })]);
    for (const token of ['t3', 't4', 't5']) await statuses(instances, token);
    const heard = delivered(buses(), (invalidation) => 'subject' in invalidation && invalidation.subject === 'bob');
    expect(await a.store.deleteBySubject('bob')).toBe(2);
    await heard;
    expect(await statuses(others(), 't3')).toEqual([['B', 401], ['C', 401]]);
    expect(await statuses(others(), 't4')).toEqual([['B', 401], ['C', 401]]);
    expect(await statuses(others(), 't5')).toEqual([['B', 200], ['C', 200]]);
  });

  it('a revocation by a RedisTokenStore without any cache (the CLI) reaches every cache', async () => {
    await admin.save(live('t6'));
    expect(await statuses(instances, 't6')).toEqual([['A', 200], ['B', 200], ['C', 200]]);
    const heard = delivered(buses(), isHash(hashToken('t6')));
    await admin.deleteByAccessTokenHash(hashToken('t6'));
    await heard;
    expect(await statuses(instances, 't6')).toEqual([['A', 401], ['B', 401], ['C', 401]]);
  });

  it('when the bus connection is killed, caches flush and bypass; a revocation meanwhile is refused after reconnection', async () => {
    await admin.save(live('t7'));
    expect(await statuses(instances, 't7')).toEqual([['A', 200], ['B', 200], ['C', 200]]);
    const down = Promise.all(buses().map((bus) => connected(bus, false)));
    const killer = await newClient();
    expect(await killer.sendCommand(['CLIENT', 'KILL', 'TYPE', 'pubsub'])).toBeGreaterThanOrEqual(3);
    await down;
    expect(instances.map(({ store }) => store.stats().size)).toEqual([0, 0, 0]);
    // Published while nobody listens: this message is lost.
    await new RedisTokenStore({ client: killer, prefix: prefix(), channel: false }).deleteByAccessTokenHash(hashToken('t7'));
    await Promise.all(buses().map((bus) => connected(bus)));
    expect(await statuses(instances, 't7')).toEqual([['A', 401], ['B', 401], ['C', 401]]);
  });

  it('answers from the inner store, uncached, until its bus has connected', async () => {
    const client = await newClient();
    const bus = redisInvalidations({ client, channel: `${channel()}-late`, probeIntervalMs: 20 });
    const store = cachedStore(new RedisTokenStore({ client, prefix: prefix() }), { invalidations: bus });
    expect(bus.connected).toBe(false);
    await admin.save(live('t8'));
    expect(await store.findByAccessTokenHash(hashToken('t8'))).toEqual(live('t8', { accessTokenExpiresAt: expect.any(Number) }));
    expect(store.stats()).toMatchObject({ misses: 1, size: 0 });
    await connected(bus);
    await store.findByAccessTokenHash(hashToken('t8'));
    expect(store.stats()).toMatchObject({ misses: 2, size: 1 });
    await bus.close();
    expect(store.stats()).toMatchObject({ size: 0 });
    expect(bus.connected).toBe(false);
  });

  it('checks its options, naming them', async () => {
    const client = await newClient();
    expect(() => redisInvalidations({ client, chanel: 'x' } as never)).toThrow(
      'redisInvalidations: unknown option "chanel" (it takes client, channel, probeIntervalMs, onError)',
    );
    expect(() => redisInvalidations({} as never)).toThrow('redisInvalidations: options.client must be a node-redis client (createClient())');
    expect(() => redisInvalidations({ client, channel: '' })).toThrow('redisInvalidations: options.channel must be a non-empty string');
    expect(() => redisInvalidations({ client, probeIntervalMs: 0 })).toThrow(
      'redisInvalidations: options.probeIntervalMs must be a number of ms from 1 to 2^31-1',
    );
    expect(() => new RedisTokenStore({ client, channel: 7 as never })).toThrow(
      'RedisTokenStore: options.channel must be a non-empty string, or false to publish nothing',
    );
  });
});
