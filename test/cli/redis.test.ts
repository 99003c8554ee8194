import { createClient } from 'redis';
import { hashToken } from '../../src/core/hash.js';
import { freePort } from '../helpers/free-port.js';
import { RedisServer, redisAvailable } from '../helpers/redis-server.js';
import { HOUR, NOW, failure, runCli, useTempDir } from './run-cli.js';
import { cliScenario } from './scenario.js';
import { startSilentServer } from './silent-server.js';

// The CLI on a real redis-server: --store redis://host:port/db. Redis drops expired tokens itself,
// and lists in SCAN order.

const available = redisAvailable();
const describeRedis = available ? describe : describe.skip;
const dir = useTempDir('etg-cli-redis-');

describeRedis('the CLI on Redis', () => {
  let server: RedisServer;
  let admin: ReturnType<typeof createClient>;
  let cases = 0;

  beforeAll(async () => {
    server = await RedisServer.start();
    admin = createClient({ url: server.url });
    admin.on('error', () => undefined);
    await admin.connect();
  }, 60_000);

  afterAll(async () => {
    await admin?.quit();
    await server?.stop();
  });

  // Each case in a database of its own (of the 16), emptied first.
  cliScenario('Redis', {
    fresh: async () => {
      await admin.flushAll();
      return `${server.url}/${++cases % 16}`;
    },
    cwd: dir,
    redis: true,
  });

  it('keeps each database apart, and a revocation reaches the caches of running APIs', async () => {
    await admin.flushAll();
    const subscriber = admin.duplicate();
    subscriber.on('error', () => undefined);
    await subscriber.connect();
    const published: string[] = [];
    await subscriber.subscribe('token-guard:invalidations', (message) => published.push(message));
    try {
      const record = { accessTokenHash: hashToken('tok-a'), accessTokenExpiresAt: NOW + HOUR, subject: 'alice' };
      const store3 = `${server.url}/3`;
      expect(await runCli(['token', 'import', '-', '--store', store3], { cwd: dir(), input: JSON.stringify(record) })).toEqual({ code: 0, stdout: 'Imported 1 record.\n', stderr: '' });
      expect(await runCli(['token', 'list', '--store', `${server.url}/4`], { cwd: dir() })).toEqual({ code: 0, stdout: 'No tokens.\n', stderr: '' });
      expect(await runCli(['token', 'revoke', 'tok-a', '--store', store3], { cwd: dir() })).toEqual({ code: 0, stdout: 'Deleted 1 token.\n', stderr: '' });
      await subscriber.ping();
      expect(published).toEqual([`h:${record.accessTokenHash}`, `h:${record.accessTokenHash}`]);
    } finally {
      await subscriber.quit();
    }
  });

  it('a database index Redis does not have is a one-line error', async () => {
    expect(await runCli(['token', 'list', '--store', `${server.url}/99`], { cwd: dir() })).toEqual(
      failure('list', `cannot use Redis at ${server.url}/99: ERR DB index is out of range`),
    );
  });
});

describe('the CLI when Redis cannot be reached', () => {
  it('a refused connection fails at once, in one line, without reconnecting', async () => {
    const port = await freePort();
    expect(await runCli(['token', 'list', '--store', `redis://127.0.0.1:${port}`], { cwd: dir() })).toEqual(
      failure('list', `cannot reach Redis at redis://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`),
    );
  });

  it('a server that never answers fails after 5 s, in one line, and hides the password', async () => {
    const silent = await startSilentServer();
    try {
      expect(await runCli(['token', 'revoke', 'tok-a', '--store', `redis://:secret@127.0.0.1:${silent.port}/2`], { cwd: dir() })).toEqual(
        failure('revoke', `cannot reach Redis at redis://:***@127.0.0.1:${silent.port}/2: no answer within 5 s`),
      );
    } finally {
      await silent.close();
    }
  }, 15_000);
});
