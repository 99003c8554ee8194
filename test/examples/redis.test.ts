import { join } from 'node:path';
import { REFUSED, answerCurlLines, refusal, stopExample } from '../helpers/example-under-test.js';
import { answerMethodCurlLines } from '../helpers/method-curl-lines.js';
import { RedisServer, redisAvailable } from '../helpers/redis-server.js';
import { exampleStarter } from '../helpers/store-examples.js';

// examples/redis: instances in one process sharing a real redis-server, each with its own client and
// cachedStore, and a revocation through one that reaches the caches of the others over redisInvalidations.

const SERVER = join(__dirname, '../../examples/redis/server.mjs');
const USAGE = 'usage: node examples/redis/server.mjs [--redis-url <url>] [--instances <2 to 16>]';
const INSTANCE = /^ {2}instance (\d+): (http:\/\/127\.0\.0\.1:\d+\/api\/items)$/gm;
const describeRedis = redisAvailable() ? describe : describe.skip;

/** GETs `url` with `token`, up to `attempts` times while it answers 200: [requests made, status, challenge, body]. */
async function askUntilRefused(url: string, token: string, attempts: number): Promise<[number, number, string | null, unknown]> {
  for (let request = 1; ; request++) {
    const res = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
    if (res.status !== 200 || request === attempts) return [request, res.status, res.headers.get('www-authenticate'), await res.json()];
    await res.arrayBuffer();
  }
}

describeRedis('examples/redis', () => {
  let redis: RedisServer;
  const start = exampleStarter(SERVER);
  beforeAll(async () => {
    redis = await RedisServer.start();
  }, 30_000);
  afterAll(() => redis?.stop());

  it('serves a token on every instance; revoked through instance 1, it is refused there at once and by the others within a few requests', async () => {
    const { child, output } = await start({ args: ['--redis-url', redis.url, '--instances', '3'] });
    const instances = Array.from(output.matchAll(INSTANCE), ([, n, url]) => [Number(n), url as string] as const);
    expect(instances.map(([n]) => n)).toEqual([1, 2, 3]);
    const valid = { subject: 'alice', items: [{ id: 1, name: 'first item' }] };
    expect(await answerCurlLines(output)).toEqual([
      ['A valid token, on instance 1', 200, 200, null, valid],
      ['The same token, on instance 2', 200, 200, null, valid],
      ['A token without the items:read scope, on instance 2', 403, 403, ...REFUSED.insufficientScope('items:read')],
      ['No token', 401, 401, ...REFUSED.noToken],
    ]);
    const token = /Bearer (\S+)'/.exec(output)?.[1] as string;
    const [first, ...others] = instances.map(([, url]) => url);
    // The third instance has the token in its cache too before the revocation.
    expect(await askUntilRefused(others[1] as string, token, 1)).toEqual([1, 200, null, valid]);

    expect(await answerMethodCurlLines(output)).toEqual([['Revoke the valid token through instance 1', 204, 'DELETE', 204, null, null]]);
    // Instance 1 evicted the token from its cache as it wrote: refused at the first request.
    expect(await askUntilRefused(first as string, token, 1)).toEqual([1, 401, ...REFUSED.invalidToken]);
    // The others learn of it over Redis pub/sub, usually before their next request: 200 requests bound the loop, never a wait.
    for (const url of others) expect((await askUntilRefused(url, token, 200)).slice(1)).toEqual([401, ...REFUSED.invalidToken]);
    expect(await stopExample(child)).toBe(0);
  });

  it.each([
    [{ args: ['--instances', '1'] }, '--instances must be a whole number from 2 to 16, not "1"'],
    [{ args: ['--redis-url', 'redis://127.0.0.1:1'] }, '--redis-url: connect ECONNREFUSED 127.0.0.1:1'],
    [{ env: { REDIS_URL: 'redis://127.0.0.1:1' } }, 'REDIS_URL: connect ECONNREFUSED 127.0.0.1:1'],
  ])('refuses %j with a message naming the argument and exit status 2', (options, message) => {
    expect(refusal(SERVER, options)).toEqual([2, message, USAGE]);
  });
});
