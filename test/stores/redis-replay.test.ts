import express = require('express');
import { createClient, createCluster } from 'redis';
import request from 'supertest';
import { MemoryTokenStore, tokenGuard } from '../../src/index.js';
import { RedisReplayStore } from '../../src/stores/redis.js';
import { makeProof, proofKey, type ProofKey } from '../helpers/dpop.js';
import { liveRecord } from '../helpers/fixtures.js';
import { RedisServer, redisAvailable } from '../helpers/redis-server.js';

// DP-16 across instances: a DPoP proof accepted by one instance is refused by every other that
// shares the RedisReplayStore, and the keys expire with the proofs.

const describeRedis = redisAvailable() ? describe : describe.skip;
const T_DPOP = 'tok-DPOP_0123456789';
const ORIGIN = 'https://rs.example';

describeRedis('RedisReplayStore on a real Redis', () => {
  let server: RedisServer;
  let client: ReturnType<typeof createClient>;
  let k1: ProofKey;

  beforeAll(async () => {
    [server, k1] = await Promise.all([RedisServer.start(), proofKey()]);
    client = createClient({ url: server.url });
    client.on('error', () => undefined);
    await client.connect();
  }, 30_000);

  afterAll(async () => {
    await client.quit();
    await server.stop();
  });

  function instance(replayStore: RedisReplayStore) {
    const store = new MemoryTokenStore([liveRecord(T_DPOP, { subject: 'dora', cnf: { jkt: k1.jkt } })]);
    const app = express();
    app.use(tokenGuard({ store, clock: Date.now, sendErrors: true, dpop: { origin: ORIGIN, replayStore } }));
    app.get('/r', (req, res) => res.json({ subject: req.auth?.subject }));
    return app;
  }
  const get = (app: express.Express, proof: string) => request(app).get('/r').set('Authorization', `DPoP ${T_DPOP}`).set('DPoP', proof);

  it('DP-16: three instances share one store: a proof is accepted once across all of them', async () => {
    const [a, b, c] = [0, 1, 2].map(() => instance(new RedisReplayStore({ client, prefix: 'replay-1:' })));
    const p1 = await makeProof(k1, Date.now(), { token: T_DPOP });
    const first = await get(a as express.Express, p1);
    expect([first.status, first.body]).toEqual([200, { subject: 'dora' }]);
    for (const other of [b, c, a]) {
      const replay = await get(other as express.Express, p1);
      expect([replay.status, replay.body]).toEqual([401, { error: 'invalid_dpop_proof', error_description: 'The DPoP proof is invalid' }]);
    }
    expect((await get(b as express.Express, await makeProof(k1, Date.now(), { token: T_DPOP }))).status).toBe(200);
  });

  it('keeps a key until the proof expires, under its prefix, never the raw jti when it is long', async () => {
    const store = new RedisReplayStore({ client, prefix: 'replay-2:' });
    const expiresAt = Date.now() + 300_000;
    expect(await store.seen('short-key', expiresAt)).toBe(false);
    expect(await store.seen('short-key', expiresAt)).toBe(true);
    expect(await client.sendCommand(['PEXPIRETIME', 'replay-2:short-key'])).toBe(expiresAt);
    const long = 'j'.repeat(300);
    expect(await store.seen(long, expiresAt)).toBe(false);
    const keys = (await client.keys('replay-2:*')).sort();
    expect(keys).toEqual(['replay-2:short-key', expect.stringMatching(/^replay-2:[A-Za-z0-9_-]{43}$/)].sort());
    expect(await store.seen('gone', Date.now() - 1)).toBe(false);
    expect(await client.exists('replay-2:gone')).toBe(0);
  });

  it('a Redis that does not answer refuses the request with 503, within timeoutMs', async () => {
    const stalled = createClient({ url: server.url, disableOfflineQueue: false });
    stalled.on('error', () => undefined);
    await stalled.connect();
    await stalled.sendCommand(['CLIENT', 'PAUSE', '2000', 'ALL']).catch(() => undefined);
    try {
      const app = instance(new RedisReplayStore({ client: stalled, prefix: 'replay-3:', timeoutMs: 100 }));
      const res = await get(app, await makeProof(k1, Date.now(), { token: T_DPOP }));
      expect([res.status, res.body]).toEqual([503, { error: 'temporarily_unavailable', error_description: 'The token store is unavailable' }]);
    } finally {
      await client.sendCommand(['CLIENT', 'UNPAUSE']).catch(() => undefined);
      await stalled.quit().catch(() => undefined);
    }
  });

  it('checks its options, naming them', () => {
    expect(() => new RedisReplayStore({} as never)).toThrow('RedisReplayStore: options.client must be a connected node-redis client or cluster');
    expect(() => new RedisReplayStore({ client, prefix: 1 } as never)).toThrow('RedisReplayStore: options.prefix must be a string');
    expect(() => new RedisReplayStore({ client, timeout: 1 } as never)).toThrow('RedisReplayStore: unknown option "timeout" (it takes client, prefix, timeoutMs)');
    expect(typeof createCluster).toBe('function');
  });
});
