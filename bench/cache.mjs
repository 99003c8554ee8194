// @ts-check
// What the cache buys and how fast a revocation travels, against real Redis and PostgreSQL:
// - cold start: 100 parallel requests on one token no instance has cached yet, on one instance over
//   Redis, with cachedStore (one lookup, coalesced) and without (100 lookups): time until all 100 are
//   answered, and how many lookups reached Redis;
// - revocation: three instances (their own clients, caches and buses) under load; a token is saved,
//   warmed into B's and C's caches, revoked through A's store; then B and C are polled until they
//   refuse it. The time from A's revoking call returning to the first refusal on each of B and C, over
//   `--revocations` tokens, p50 / p99 / max.
// Instances run on CPU 0; the databases, the load generator and this runner on CPU 1.
//   node bench/cache.mjs [--revocations 200] [--cold-rounds 20] [--backends redis,postgres] [--json FILE]
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BENCH_TOKEN } from './fixtures.mjs';
import { cleanups, end, hasTaskset, pinSelf, pinned, quantile, startPostgres, startRedis, stopAll } from './processes.mjs';
import { writeResult } from './report.mjs';

const BACKENDS = ['redis', 'postgres'];

/** @param {string} message @returns {never} */
function usage(message) {
  console.error(`bench/cache.mjs: ${message}`);
  console.error('usage: node bench/cache.mjs [--revocations N] [--cold-rounds N] [--backends redis,postgres] [--json FILE]');
  process.exit(2);
}

/** @type {Record<string, string | undefined>} */
let values = {};
try {
  ({ values } = parseArgs({
    options: {
      revocations: { type: 'string', default: '200' },
      'cold-rounds': { type: 'string', default: '20' },
      backends: { type: 'string', default: BACKENDS.join(',') },
      json: { type: 'string' },
    },
  }));
} catch (error) {
  usage(/** @type {Error} */ (error).message);
}
/** @param {string} name */
function whole(name) {
  const value = Number(values[name]);
  if (!Number.isInteger(value) || value < 1 || value > 100_000) usage(`--${name} must be a whole number from 1 to 100000, not "${values[name]}"`);
  return value;
}
const revocations = whole('revocations');
const coldRounds = whole('cold-rounds');
const backends = String(values.backends).split(',');
for (const backend of backends) if (!BACKENDS.includes(backend)) usage(`--backends takes a list of ${BACKENDS.join(', ')}, not "${backend}"`);

pinSelf('1');
const now = () => performance.timeOrigin + performance.now();

/**
 * @typedef {{ port: number, child: import('node:child_process').ChildProcess, call: (type: string, fields?: object) => Promise<any> }} Instance
 */

/** Starts one bench/cache-instance.mjs on CPU 0. @param {string} backend @param {string} url @param {'cached' | 'uncached'} mode @returns {Promise<Instance>} */
async function startInstance(backend, url, mode) {
  const script = fileURLToPath(new URL('./cache-instance.mjs', import.meta.url));
  const child = spawn(...pinned('0', process.execPath, [script, backend, url, mode]), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  cleanups.add(() => end(child, 'SIGTERM'));
  /** @type {Map<number, (message: any) => void>} */
  const waiting = new Map();
  let ids = 0;
  const port = await new Promise((resolve, reject) => {
    child.on('message', (/** @type {any} */ message) => {
      if (message.type === 'listening') resolve(message.port);
      if (message.type === 'done') waiting.get(message.id)?.(message);
    });
    child.once('exit', (code) => reject(new Error(`a ${backend} instance exited (${code}) before it listened`)));
  });
  return {
    port,
    child,
    call(type, fields = {}) {
      const id = ids++;
      return new Promise((resolve, reject) => {
        waiting.set(id, (message) => {
          waiting.delete(id);
          if (message.error) reject(new Error(message.error));
          else resolve(message.result);
        });
        child.send({ type, id, ...fields });
      });
    },
  };
}

const agent = new Agent({ keepAlive: true, maxSockets: 100 });
/**
 * GET `path` with `token`; resolves to the status once the body is read.
 * @param {Instance} instance @param {string | undefined} token @param {string} [path]
 * @returns {Promise<number>}
 */
const get = (instance, token, path = '/items') =>
  new Promise((resolve, reject) => {
    const headers = token === undefined ? {} : { authorization: `Bearer ${token}` };
    request({ host: '127.0.0.1', port: instance.port, path, agent, headers }, (response) => {
      response.resume().on('end', () => resolve(response.statusCode ?? 0));
    })
      .on('error', reject)
      .end();
  });

const LOAD = { connections: 10, requestsPerSecond: 1000 };
/** Sends `instance` valid requests at a steady LOAD.requestsPerSecond until stopped. @param {Instance} instance */
function startLoad(instance) {
  const cli = createRequire(import.meta.url).resolve('autocannon/autocannon.js');
  const args = [cli, '-c', String(LOAD.connections), '-R', String(LOAD.requestsPerSecond), '-d', '3600', '-H', `authorization=Bearer ${BENCH_TOKEN}`, `http://127.0.0.1:${instance.port}/items`];
  const child = spawn(...pinned('1', process.execPath, args), { stdio: ['pipe', 'ignore', 'ignore'] });
  cleanups.add(() => end(child, 'SIGINT'));
  return child;
}

/** @param {number[]} xs */
const summary = (xs) => ({ p50: quantile(xs, 0.5), p99: quantile(xs, 0.99), max: Math.max(...xs), samples: xs.length });

/** Cold start on Redis: cached (coalesced) against uncached. @param {string} url */
async function coldStart(url) {
  /** @type {Record<string, { ms: ReturnType<typeof summary>, storeLookups: number }>} */
  const result = {};
  for (const mode of /** @type {const} */ (['cached', 'uncached'])) {
    const instance = await startInstance('redis', url, mode);
    await Promise.all(Array.from({ length: 100 }, () => get(instance, undefined, '/health')));
    const times = [];
    const before = (await instance.call('stats'))?.misses ?? 0;
    for (let round = 0; round < coldRounds; round++) {
      const token = `cold-${mode}-${round}`;
      await instance.call('save', { tokens: [token] });
      const start = now();
      const statuses = await Promise.all(Array.from({ length: 100 }, () => get(instance, token)));
      times.push(now() - start);
      if (statuses.some((status) => status !== 200)) throw new Error(`cold start (${mode}): statuses ${[...new Set(statuses)].join(', ')}`);
    }
    const after = (await instance.call('stats'))?.misses;
    result[mode] = { ms: summary(times), storeLookups: after === undefined ? 100 : (after - before) / coldRounds };
    await end(instance.child, 'SIGTERM');
  }
  return result;
}

/** Revocation latency across three instances under load. @param {string} backend @param {string} url */
async function revocation(backend, url) {
  const instances = [];
  for (let i = 0; i < 3; i++) instances.push(await startInstance(backend, url, 'cached'));
  const [a, ...others] = /** @type {[Instance, Instance, Instance]} */ (instances);
  await a.call('save', { tokens: [BENCH_TOKEN] });
  const load = instances.map((instance) => startLoad(instance));
  try {
    /** @type {number[]} */
    const latencies = [];
    /** @type {number[]} */
    const delivery = [];
    /** @type {number[]} */
    const requests = [];
    let stalePolls = 0;
    for (let i = 0; i < revocations; i++) {
      const token = `revoked-${backend}-${i}`;
      await a.call('save', { tokens: [token] });
      for (const instance of others) {
        // Twice: the second answer comes from the cache.
        for (let warm = 0; warm < 2; warm++) {
          const sent = now();
          const status = await get(instance, token);
          requests.push(now() - sent);
          if (status !== 200) throw new Error(`${backend}: a fresh token answered ${status} before its revocation`);
        }
      }
      const revokedAt = /** @type {number} */ (await a.call('revoke', { token }));
      await Promise.all(
        others.map(async (instance) => {
          for (;;) {
            const status = await get(instance, token);
            if (status === 401) break;
            if (status !== 200) throw new Error(`${backend}: a revoked token answered ${status}`);
            stalePolls++;
          }
          latencies.push(now() - revokedAt);
          const deliveredAt = await instance.call('deliveredAt', { token });
          if (typeof deliveredAt === 'number') delivery.push(deliveredAt - revokedAt);
        }),
      );
    }
    return { ms: summary(latencies), deliveryMs: summary(delivery), requestMs: summary(requests), revocations, stalePolls, load: LOAD };
  } finally {
    for (const child of load) await end(child, 'SIGINT');
    for (const instance of instances) await end(instance.child, 'SIGTERM');
  }
}

try {
  console.log(`Cache benchmark: Node ${process.version}${hasTaskset ? ', instances on CPU 0, databases, load and runner on CPU 1' : ', unpinned (no taskset)'}`);
  /** @type {Record<string, string>} */
  const urls = {};
  for (const backend of backends) urls[backend] = backend === 'redis' ? await startRedis() : await startPostgres();
  const report = {
    node: process.version,
    coldStart: urls['redis'] === undefined ? undefined : await coldStart(urls['redis']),
    /** @type {Record<string, Awaited<ReturnType<typeof revocation>>>} */
    revocation: {},
  };
  for (const backend of backends) report.revocation[backend] = await revocation(backend, /** @type {string} */ (urls[backend]));

  const f = (/** @type {number} */ ms) => ms.toFixed(2);
  const lines = [];
  if (report.coldStart !== undefined) {
    lines.push(`100 parallel requests on one cold token, Redis, ${coldRounds} rounds (ms until all 100 answered):`, '');
    lines.push('| store | p50 ms | p99 ms | lookups that reached Redis per round |', '|---|---|---|---|');
    for (const [mode, { ms, storeLookups }] of Object.entries(report.coldStart)) {
      lines.push(`| ${mode === 'cached' ? 'cachedStore(RedisTokenStore)' : 'RedisTokenStore'} | ${f(ms.p50)} | ${f(ms.p99)} | ${storeLookups} |`);
    }
    lines.push('');
  }
  lines.push(
    `Revocation through instance A until refused on B and C, each instance under ${LOAD.requestsPerSecond} req/s of load (${revocations} revocations, ms):`,
    '',
    '| backend | until refused: p50 | p99 | max | bus delivery: p50 | p99 | one request under the same load: p50 | p99 | stale answers seen |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|',
  );
  for (const [backend, { ms, deliveryMs, requestMs, stalePolls }] of Object.entries(report.revocation)) {
    lines.push(
      `| ${backend} | ${f(ms.p50)} | ${f(ms.p99)} | ${f(ms.max)} | ${f(deliveryMs.p50)} | ${f(deliveryMs.p99)} | ${f(requestMs.p50)} | ${f(requestMs.p99)} | ${stalePolls} |`,
    );
  }
  lines.push(
    '',
    '"Until refused": from the revoking call returning on A to the first 401 on B and C, as the runner sees it. ' +
      '"Bus delivery": from the same moment to the invalidation reaching B and C, on their own clocks. ' +
      '"One request": a plain authorized GET to B or C under the same load, for comparison.',
  );
  const markdown = lines.join('\n');
  console.log(`\n${markdown}`);
  if (values.json !== undefined) {
    writeResult(String(values.json), { title: 'Cache: cold start and revocation (bench/cache.mjs)', markdown, ...report });
  }
} finally {
  await stopAll();
}
