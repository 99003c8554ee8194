import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { createClient, createCluster } from 'redis';
import { createClient as createClient5 } from 'redis5';
import request from 'supertest';
import { hashToken } from '../../src/index.js';
import { RedisTokenStore, type RedisClientLike } from '../../src/stores/redis.js';
import { StoreTimeoutError } from '../../src/stores/timeout.js';
import { storeContract } from '../../src/testing/index.js';
import { C, HOUR, liveRecord as live } from '../helpers/fixtures.js';
import { expectCorruptionIsolated } from '../helpers/corruption.js';
import { causeCapture, guardedApp } from '../helpers/guarded-app.js';
import { RedisCluster, RedisServer, redisAvailable } from '../helpers/redis-server.js';

const available = redisAvailable();
const describeRedis = available ? describe : describe.skip;

let prefixes = 0;
const nextPrefix = () => `test-${process.pid}-${++prefixes}:`;

/** Connects a node-redis client that reports errors instead of crashing, as every application must. */
async function connect<T extends { on(event: 'error', listener: (error: Error) => void): unknown; connect(): Promise<unknown> }>(
  client: T,
): Promise<T> {
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

describeRedis('RedisTokenStore', () => {
  let server: RedisServer;
  let cluster: RedisCluster;
  let client6: ReturnType<typeof createClient>;
  let client5: ReturnType<typeof createClient5>;
  let clusterClient: ReturnType<typeof createCluster>;

  beforeAll(async () => {
    [server, cluster] = await Promise.all([RedisServer.start(), RedisCluster.start()]);
    client6 = await connect(createClient({ url: server.url }));
    client5 = await connect(createClient5({ url: server.url }));
    clusterClient = await connect(createCluster({ rootNodes: cluster.rootNodes }));
  }, 60_000);

  afterAll(async () => {
    await Promise.all([client6?.quit(), client5?.quit(), clusterClient?.quit()]);
    await Promise.all([server?.stop(), cluster?.stop()]);
  });

  const capabilities = { dropsExpired: true, list: 'scan' as const };
  storeContract('RedisTokenStore on node-redis 6', () => new RedisTokenStore({ client: client6, prefix: nextPrefix() }), {
    describe,
    it,
    capabilities,
  });
  storeContract('RedisTokenStore on node-redis 5', () => new RedisTokenStore({ client: client5, prefix: nextPrefix() }), {
    describe,
    it,
    capabilities,
  });
  storeContract('RedisTokenStore on a 3-node Redis Cluster', () => new RedisTokenStore({ client: clusterClient, prefix: nextPrefix() }), {
    describe,
    it,
    capabilities,
  });

  describe('keys and expiry', () => {
    it('writes one key per token, expiring at accessTokenExpiresAt, and index sets that expire no earlier', async () => {
      const prefix = nextPrefix();
      const store = new RedisTokenStore({ client: client6, prefix });
      const early = Date.now() + HOUR;
      const late = early + HOUR;
      await store.save(live('k1', { subject: 'alice', clientId: 7, accessTokenExpiresAt: late }));
      await store.save(live('k2', { subject: 'alice', clientId: 7, accessTokenExpiresAt: early }));
      const keys = (await client6.keys(`${prefix}*`)).sort();
      expect(keys).toEqual([`${prefix}c:7`, `${prefix}s:alice`, `${prefix}t:${hashToken('k1')}`, `${prefix}t:${hashToken('k2')}`].sort());
      expect(await client6.pExpireTime(`${prefix}t:${hashToken('k1')}`)).toBe(late);
      expect(await client6.pExpireTime(`${prefix}t:${hashToken('k2')}`)).toBe(early);
      expect(await client6.pExpireTime(`${prefix}s:alice`)).toBe(late);
      expect(await client6.pExpireTime(`${prefix}c:7`)).toBe(late);
      expect((await client6.sMembers(`${prefix}s:alice`)).sort()).toEqual([hashToken('k1'), hashToken('k2')].sort());
    });

    it('moves the expiry of a token on upsert, and drops a record that has already expired', async () => {
      const prefix = nextPrefix();
      const store = new RedisTokenStore({ client: client6, prefix });
      const later = Date.now() + 5 * HOUR;
      await store.save(live('m', { subject: 'bob' }));
      await store.save(live('m', { subject: 'bob', accessTokenExpiresAt: later }));
      expect(await client6.pExpireTime(`${prefix}t:${hashToken('m')}`)).toBe(later);
      expect(await client6.pExpireTime(`${prefix}s:bob`)).toBe(later);
      await store.save(live('m', { subject: 'bob', accessTokenExpiresAt: Date.now() - 1 }));
      expect(await client6.exists(`${prefix}t:${hashToken('m')}`)).toBe(0);
      expect(await client6.sMembers(`${prefix}s:bob`)).toEqual([]);
    });

    it('uses only keys under its prefix, whatever the subject holds', async () => {
      const prefix = nextPrefix();
      const store = new RedisTokenStore({ client: clusterClient, prefix });
      await store.saveMany([live('x1', { subject: '{tag}*?[a]:b' }), live('x2', { subject: '{tag}*?[a]:b', clientId: 1 })]);
      expect(await store.deleteBySubject('{tag}*?[a]:b')).toBe(2);
      expect(await store.deleteBySubject('{tag}*?[a]:c')).toBe(0);
    });
  });

  describe('behind the guard', () => {
    it('serves the guard, and two instances with their own clients see each other at once', async () => {
      const prefix = nextPrefix();
      const otherClient = await connect(createClient({ url: server.url }));
      try {
        const storeA = new RedisTokenStore({ client: client6, prefix });
        const storeB = new RedisTokenStore({ client: otherClient, prefix });
        const [appA, appB] = [guardedApp(storeA), guardedApp(storeB)];
        await storeA.saveMany([live('shared1', { subject: 'carol' }), live('shared2', { subject: 'dave' })]);
        const ask = (app: typeof appA, token: string) => request(app).get('/r').set('Authorization', `Bearer ${token}`);
        expect((await ask(appB, 'shared1')).body).toEqual({ subject: 'carol' });
        expect(await storeA.deleteByAccessTokenHash(hashToken('shared1'))).toBe(true);
        expect((await ask(appB, 'shared1')).status).toBe(401);
        expect((await ask(appA, 'shared2')).status).toBe(200);
        expect(await storeB.deleteBySubject('dave')).toBe(1);
        const refused = await ask(appA, 'shared2');
        expect([refused.status, refused.headers['www-authenticate']]).toEqual([401, C.invalidToken]);
      } finally {
        await otherClient.quit();
      }
    });

    it.each<[string, (client: typeof client6, key: string) => Promise<unknown>, string]>([
      ['invalid JSON', (client, key) => client.hSet(key, 'r', '{"accessTokenHash":'), '(JSON)'],
      ['a field of the wrong type', (client, key) => client.hSet(key, 'r', JSON.stringify({ ...live('bad'), scopes: 'read' })), 'scopes'],
      ['a key of another type', async (client, key) => client.multi().del(key).set(key, 'x').exec(), '(key type)'],
    ])('a corrupt record (%s) is 401 for that token only, reported to onError', async (_name, corrupt, field) => {
      const prefix = nextPrefix();
      await expectCorruptionIsolated(
        (onError) => new RedisTokenStore({ client: client6, prefix, onError }),
        (hash) => corrupt(client6, `${prefix}t:${hash}`),
        field,
      );
    });
  });

  describe('faults', () => {
    const { causes, handler: capture } = causeCapture();
    beforeEach(() => {
      causes.length = 0;
    });

    it('a killed redis-server gives 503; once it is back, requests succeed without restarting the app', async () => {
      const own = await RedisServer.start();
      const client = await connect(createClient({ url: own.url }));
      try {
        const store = new RedisTokenStore({ client, prefix: nextPrefix(), timeoutMs: 300 });
        const app = guardedApp(store);
        app.use(capture);
        await store.save(live('t', { subject: 'frank' }));
        const ask = () => request(app).get('/r').set('Authorization', 'Bearer t');
        expect((await ask()).status).toBe(200);

        await own.kill();
        const down = await ask();
        expect([down.status, down.headers['www-authenticate'], down.headers['cache-control']]).toEqual([503, C.C0, 'no-store']);

        const ready = once(client, 'ready');
        await own.startAgain();
        await ready;
        await store.save(live('t', { subject: 'frank' }));
        expect((await ask()).body).toEqual({ subject: 'frank' });
      } finally {
        await client.quit().catch(() => undefined);
        await own.stop();
      }
    }, 30_000);

    it('a server that accepts and never answers gives 503 after timeoutMs', async () => {
      const sockets: Socket[] = [];
      const silent: Server = createServer((socket) => void sockets.push(socket)).listen(0, '127.0.0.1');
      await once(silent, 'listening');
      const { port } = silent.address() as { port: number };
      const client = createClient({ url: `redis://127.0.0.1:${port}`, socket: { reconnectStrategy: false } });
      client.on('error', () => undefined);
      const connecting = client.connect().catch(() => undefined);
      try {
        const store = new RedisTokenStore({ client: client as unknown as RedisClientLike, timeoutMs: 150 });
        const app = guardedApp(store);
        app.use(capture);
        const res = await request(app).get('/r').set('Authorization', 'Bearer t');
        expect([res.status, res.headers['www-authenticate']]).toEqual([503, C.C0]);
        expect(causes).toEqual([expect.any(StoreTimeoutError)]);
        expect(causes[0]).toMatchObject({ timeoutMs: 150, message: 'RedisTokenStore: no answer within 150 ms' });
      } finally {
        client.destroy();
        await connecting;
        sockets.forEach((socket) => socket.destroy());
        silent.close();
      }
    });

    it('a client that was never connected gives 503', async () => {
      const client = createClient({ url: server.url });
      const app = guardedApp(new RedisTokenStore({ client: client as unknown as RedisClientLike }));
      app.use(capture);
      expect((await request(app).get('/r').set('Authorization', 'Bearer t')).status).toBe(503);
    });
  });

  describe('list', () => {
    it('reads its prefix literally: * [ ] ? in a prefix match no other prefix', async () => {
      const prefix = `glob*[x]?-${nextPrefix()}`;
      const store = new RedisTokenStore({ client: client6, prefix });
      const neighbour = new RedisTokenStore({ client: client6, prefix: prefix.replace('*[x]?', 'AAxB') });
      await store.save(live('mine'));
      await neighbour.save(live('theirs'));
      expect((await store.list({ limit: 1000 })).records.map(({ accessTokenHash }) => accessTokenHash)).toEqual([hashToken('mine')]);
    });

    it('on a cluster, scans each master in turn, and names the cursor of one that has gone', async () => {
      const store = new RedisTokenStore({ client: clusterClient, prefix: nextPrefix() });
      const records = Array.from({ length: 60 }, (_, i) => live(`spread-${i}`));
      await store.saveMany(records);
      const seen = new Set<string>();
      const cursors: string[] = [];
      for (let page = await store.list({ limit: 10 }); ; page = await store.list({ limit: 10, after: page.next as string })) {
        for (const { accessTokenHash } of page.records) seen.add(accessTokenHash as string);
        if (page.next === undefined) break;
        cursors.push(page.next);
      }
      expect(seen.size).toBe(60);
      // Each cursor names the master it goes on with; the listing moves through them in the order of their addresses.
      const masters = cluster.nodes.map((node) => `127.0.0.1:${node.port}`).sort();
      const visited = cursors.map((cursor) => masters.indexOf(cursor.slice(cursor.indexOf('@') + 1)));
      expect(visited.every((index, i) => index >= 0 && index >= (visited[i - 1] ?? 0))).toBe(true);
      expect(new Set(visited).size).toBeGreaterThan(1);
      await expect(store.list({ after: '12@10.0.0.1:6379' })).rejects.toThrow(
        'RedisTokenStore.list: after must be the next of a previous page (no server at 10.0.0.1:6379 now: list again from the start)',
      );
    });

    it('refuses a cursor it did not make', async () => {
      const store = new RedisTokenStore({ client: client6, prefix: nextPrefix() });
      await expect(store.list({ after: 'next' })).rejects.toThrow('RedisTokenStore.list: after must be the next of a previous page');
      await expect(store.list({ subject: 'alice', after: '1@' })).rejects.toThrow('RedisTokenStore.list: after must be the next of a previous page');
    });
  });

  describe('options', () => {
    it.each<[unknown, string]>([
      [{}, 'RedisTokenStore: options.client must be a node-redis client or cluster (it has no hGet())'],
      [{ client: { hGet() {}, sMembers() {} } }, 'RedisTokenStore: options.client must be a node-redis client or cluster (it has no eval())'],
      [{ client: 'redis://x' }, 'RedisTokenStore: options.client must be a node-redis client or cluster (it has no hGet())'],
      [{ client: {}, prefx: 'x' }, 'RedisTokenStore: unknown option "prefx" (it takes client, prefix, timeoutMs, onError, channel)'],
      [{ client: null, prefix: 1 }, 'RedisTokenStore: options.client must be a node-redis client or cluster (it has no hGet())'],
      [{ client: { hGet() {}, sMembers() {}, eval() {}, evalSha() {} }, prefix: 1 }, 'RedisTokenStore: options.prefix must be a string'],
      [{ client: { hGet() {}, sMembers() {}, eval() {}, evalSha() {} }, timeoutMs: 0 }, 'RedisTokenStore: options.timeoutMs must be a positive number of ms (at most 2^31-1)'],
      [{ client: { hGet() {}, sMembers() {}, eval() {}, evalSha() {} }, timeoutMs: '1000' }, 'RedisTokenStore: options.timeoutMs must be a number'],
      [{ client: { hGet() {}, sMembers() {}, eval() {}, evalSha() {} } }, 'RedisTokenStore: options.client has no publish(); pass channel: false to publish nothing'],
      [{ client: { hGet() {}, sMembers() {}, eval() {}, evalSha() {} }, channel: '' }, 'RedisTokenStore: options.channel must be a non-empty string, or false to publish nothing'],
    ])('refuses bad options %#, naming them', (options, message) => {
      expect(() => new RedisTokenStore(options as never)).toThrow(expect.objectContaining({ name: 'TypeError', message }));
    });
  });
});
