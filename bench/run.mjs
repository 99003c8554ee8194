// @ts-check
// HTTP benchmark: Express with tokenGuard on several stores, against bare Express (the ceiling), a
// hand-written sha256 + Map check (the floor) and the peers (passport-http-bearer,
// express-oauth2-jwt-bearer, express-jwt), in one run, over 127.0.0.1. Every server runs for the whole
// run, pinned to CPU 0; autocannon, Redis and PostgreSQL share CPU 1 (when taskset exists). Each path
// (valid token, no token, token without the scope) is its own measurement; the variants take turns in
// short slices, in a rotating order, and each slice is divided by bare Express's slice of the same
// round and path. The server reports its CPU time and request count over IPC before and after each
// slice: CPU time per request is steadier than throughput on a shared machine, so it is the figure that
// decides. See bench/README.md.
//   node bench/run.mjs [--rounds 5] [--seconds 2] [--connections 100] [--variants a,b] [--paths p,q] [--json FILE]
//                      [--baseline DIR]
// --baseline DIR adds the variant guard-memory-baseline: guard-memory as built in another checkout DIR
// (its dist/esm), so that a change is measured against the code before it in the same run.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { BENCH_TOKEN, NO_SCOPE_TOKEN, REQUIRED_SCOPE, benchRecords, signBenchJwt } from './fixtures.mjs';
import { cleanups, end, hasTaskset, interrupted, pinSelf, pinned, quantile, startPostgres, startRedis, stopAll } from './processes.mjs';
import { httpReport, machine, writeResult } from './report.mjs';

/**
 * @typedef {{ credential: 'opaque' | 'jwt', authenticates: boolean, backend?: 'redis' | 'postgres', cached?: boolean }} VariantInfo
 * @typedef {'valid' | 'no-token' | 'wrong-scope'} PathName
 */

/** @type {Record<string, VariantInfo>} */
const VARIANTS = {
  bare: { credential: 'opaque', authenticates: false },
  handwritten: { credential: 'opaque', authenticates: true },
  'guard-memory': { credential: 'opaque', authenticates: true },
  'guard-memory-next': { credential: 'opaque', authenticates: true },
  'guard-cached-redis': { credential: 'opaque', authenticates: true, backend: 'redis', cached: true },
  'guard-cached-postgres': { credential: 'opaque', authenticates: true, backend: 'postgres', cached: true },
  'guard-redis': { credential: 'opaque', authenticates: true, backend: 'redis' },
  passport: { credential: 'opaque', authenticates: true },
  'oauth2-jwt-bearer': { credential: 'jwt', authenticates: true },
  'express-jwt': { credential: 'jwt', authenticates: true },
  noop: { credential: 'opaque', authenticates: false },
  'guard-memory-baseline': { credential: 'opaque', authenticates: true },
  'guard-memory-subscribed': { credential: 'opaque', authenticates: true },
};
const OPT_IN = ['noop', 'guard-memory-baseline', 'guard-memory-subscribed'];
const DEFAULT_VARIANTS = Object.keys(VARIANTS).filter((name) => !OPT_IN.includes(name));
/** @type {Record<PathName, number>} the status each path answers on a variant that authenticates */
const PATHS = { valid: 200, 'no-token': 401, 'wrong-scope': 403 };
const WARMUP_SECONDS = 1;
// Measured on the development machine: connecting, snapshots and closing add this much to each slice.
const SLICE_OVERHEAD_SECONDS = 0.35;

// ---- arguments ----

/** @param {string} message @returns {never} */
function usage(message) {
  console.error(`bench/run.mjs: ${message}`);
  console.error('usage: node bench/run.mjs [--rounds N] [--seconds N] [--connections N] [--variants a,b] [--paths p,q] [--json FILE]');
  process.exit(2);
}

/** @type {ReturnType<typeof parseOptions>} */
let values;
function parseOptions() {
  return parseArgs({
    options: {
      rounds: { type: 'string', default: '5' },
      seconds: { type: 'string', default: '2' },
      connections: { type: 'string', default: '100' },
      variants: { type: 'string', default: DEFAULT_VARIANTS.join(',') },
      paths: { type: 'string', default: Object.keys(PATHS).join(',') },
      json: { type: 'string' },
      baseline: { type: 'string' },
    },
  }).values;
}
try {
  values = parseOptions();
} catch (error) {
  usage(/** @type {Error} */ (error).message);
}

/** @param {'rounds' | 'seconds' | 'connections'} name @param {number} max */
function whole(name, max) {
  const value = Number(values[name]);
  if (!Number.isInteger(value) || value < 1 || value > max) usage(`--${name} must be a whole number from 1 to ${max}, not "${values[name]}"`);
  return value;
}
/** @template {string} T @param {'variants' | 'paths'} name @param {readonly T[]} known @returns {T[]} */
function list(name, known) {
  const items = values[name].split(',').filter((item) => item !== '');
  if (items.length === 0) usage(`--${name} must name at least one of ${known.join(', ')}`);
  for (const item of items) {
    if (!known.includes(/** @type {T} */ (item))) usage(`--${name} takes a list of ${known.join(', ')}, not "${item}"`);
  }
  return [...new Set(/** @type {T[]} */ (items))];
}
const rounds = whole('rounds', 1000);
const seconds = whole('seconds', 600);
const connections = whole('connections', 10000);
const paths = list('paths', /** @type {PathName[]} */ (Object.keys(PATHS)));
let variants = list('variants', Object.keys(VARIANTS));
const baseline = values.baseline === undefined ? undefined : resolve(values.baseline);
if (baseline !== undefined && !existsSync(join(baseline, 'dist/esm/index.js'))) usage(`--baseline must be a checkout with a build (dist/esm/index.js), not "${values.baseline}"`);
if (baseline !== undefined && !variants.includes('guard-memory-baseline')) variants.push('guard-memory-baseline');
if (baseline === undefined && variants.includes('guard-memory-baseline')) usage('the variant guard-memory-baseline needs --baseline DIR');
if (variants[0] !== 'bare') variants = ['bare', ...variants.filter((v) => v !== 'bare')];
if (values.json === '') usage('--json needs a file name');


pinSelf('1');
if (!hasTaskset) console.error('NOTE: taskset is missing: servers, load generator and databases run unpinned, so they compete for every CPU.');

/** Redis on CPU 1, holding the benchmark's records. */
async function seededRedis() {
  const url = await startRedis('1');
  const { createClient } = await import('redis');
  const { RedisTokenStore } = await import('express-token-guard/redis');
  const client = createClient({ url });
  await client.connect();
  await new RedisTokenStore({ client }).saveMany(benchRecords);
  await client.quit();
  return url;
}

/** PostgreSQL on CPU 1, migrated and holding the benchmark's records. */
async function seededPostgres() {
  const url = await startPostgres('1');
  const { default: pg } = await import('pg');
  const { PostgresTokenStore } = await import('express-token-guard/postgres');
  const pool = new pg.Pool({ connectionString: url });
  const store = new PostgresTokenStore({ pool });
  await store.migrate();
  await store.saveMany(benchRecords);
  await pool.end();
  return url;
}

/**
 * @typedef {{ variant: string, child: import('node:child_process').ChildProcess, port: number, snapshot: () => Promise<{ cpuMicros: number, requests: number }> }} Server
 */

/**
 * One bench/server.mjs, pinned to CPU 0, talking over IPC.
 * @param {string} variant
 * @param {string[]} backendArgs
 * @returns {Promise<Server>}
 */
async function startServer(variant, backendArgs) {
  const script = fileURLToPath(new URL('./server.mjs', import.meta.url));
  const child = spawn(...pinned('0', process.execPath, [script, variant, ...backendArgs]), { stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
  cleanups.add(() => end(child, 'SIGTERM'));
  let errors = '';
  child.stderr?.setEncoding('utf8').on('data', (/** @type {string} */ chunk) => {
    errors += chunk;
    process.stderr.write(`[${variant}] ${chunk}`);
  });
  /** @type {Map<number, (snapshot: { cpuMicros: number, requests: number }) => void>} */
  const waiting = new Map();
  let nextId = 0;
  const port = await new Promise((resolve, reject) => {
    child.on('message', (/** @type {any} */ message) => {
      if (message.type === 'listening') resolve(message.port);
      if (message.type === 'snapshot') waiting.get(message.id)?.(message);
    });
    child.once('exit', (code) => reject(new Error(`the ${variant} server exited (${code}) before it listened:\n${errors}`)));
  });
  return {
    variant,
    child,
    port,
    snapshot() {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        waiting.set(id, (snapshot) => {
          waiting.delete(id);
          resolve(snapshot);
        });
        child.send({ type: 'snapshot', id }, (error) => error && reject(error));
      });
    },
  };
}

// ---- measuring ----

/** @type {Record<'opaque' | 'jwt', Record<PathName, Record<string, string>>>} */
const HEADERS = {
  opaque: { valid: { authorization: `Bearer ${BENCH_TOKEN}` }, 'no-token': {}, 'wrong-scope': { authorization: `Bearer ${NO_SCOPE_TOKEN}` } },
  jwt: {
    valid: { authorization: `Bearer ${await signBenchJwt(REQUIRED_SCOPE)}` },
    'no-token': {},
    'wrong-scope': { authorization: `Bearer ${await signBenchJwt('items:write')}` },
  },
};

/** @param {string} variant @param {PathName} path */
const expectedStatus = (variant, path) => (VARIANTS[variant]?.authenticates ? PATHS[path] : 200);
/** @param {string} variant @param {PathName} path */
const headersOf = (variant, path) => HEADERS[VARIANTS[variant]?.credential ?? 'opaque'][path];

/** Fails loudly unless every variant answers every path with exactly its status. @param {Server[]} servers */
async function verify(servers) {
  const wrong = [];
  for (const { variant, port } of servers) {
    for (const path of paths) {
      const response = await fetch(`http://127.0.0.1:${port}/items`, { headers: headersOf(variant, path) });
      const body = await response.text();
      const expected = expectedStatus(variant, path);
      if (response.status !== expected) wrong.push(`  ${variant} ${path}: expected ${expected}, got ${response.status} ${body.slice(0, 200)}`);
    }
  }
  if (wrong.length > 0) throw new Error(`some variants do not answer as they should; nothing was measured:\n${wrong.join('\n')}`);
}

/**
 * One load slice against one server and path, with the server's CPU time over exactly that slice.
 * @param {Server} server @param {PathName} path @param {number} duration
 */
async function slice(server, path, duration) {
  const expected = expectedStatus(server.variant, path);
  const before = await server.snapshot();
  const loadCpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const result = await autocannon({ url: `http://127.0.0.1:${server.port}/items`, headers: headersOf(server.variant, path), connections, duration });
  const wallMicros = Number(process.hrtime.bigint() - started) / 1000;
  const loadCpu = process.cpuUsage(loadCpuBefore);
  const after = await server.snapshot();
  const responses = Object.values(result.statusCodeStats ?? {}).reduce((sum, { count = 0 }) => sum + count, 0);
  const asExpected = result.statusCodeStats?.[/** @type {`${number}`} */ (String(expected))]?.count ?? 0;
  const requests = after.requests - before.requests;
  return {
    rps: asExpected / duration,
    p99Ms: result.latency.p99,
    cpuUsPerRequest: requests > 0 ? (after.cpuMicros - before.cpuMicros) / requests : 0,
    serverRequests: requests,
    responses,
    unexpected: responses - asExpected + result.errors + result.timeouts,
    loadCpu: (loadCpu.user + loadCpu.system) / wallMicros,
  };
}

/** @param {number[]} xs */
const spread = (xs) => ({ median: quantile(xs, 0.5), q1: quantile(xs, 0.25), q3: quantile(xs, 0.75) });

// ---- the run ----

const slices = rounds * paths.length * variants.length;
const estimate = (variants.length * paths.length * (WARMUP_SECONDS + SLICE_OVERHEAD_SECONDS) + slices * (seconds + SLICE_OVERHEAD_SECONDS)) / 60;
console.log(
  `HTTP benchmark: ${variants.length} variants × ${paths.length} paths × ${rounds} rounds of ${seconds} s, ${connections} connections; ` +
    `about ${Math.ceil(estimate + 0.5)} min (plus database start-up)`,
);

const started = new Date();
try {
  const needs = new Set(variants.map((v) => VARIANTS[v]?.backend));
  const [redisUrl, postgresUrl] = await Promise.all([
    needs.has('redis') ? seededRedis() : undefined,
    needs.has('postgres') ? seededPostgres() : undefined,
  ]);
  /** @param {string} variant */
  const backendArgs = (variant) => {
    const backend = VARIANTS[variant]?.backend;
    if (backend === 'redis') return ['--redis-url', /** @type {string} */ (redisUrl)];
    if (backend === 'postgres') return ['--postgres-url', /** @type {string} */ (postgresUrl)];
    if (variant === 'guard-memory-baseline') return ['--baseline', /** @type {string} */ (baseline)];
    return [];
  };
  const servers = await Promise.all(variants.map((variant) => startServer(variant, backendArgs(variant))));
  await verify(servers);
  console.log(`every variant answers ${paths.map((p) => `${p} → ${PATHS[p]}`).join(', ')} (bare: 200 on every path); warming up`);
  for (const server of servers) for (const path of paths) await slice(server, path, WARMUP_SECONDS);

  /** @type {Map<string, Array<Awaited<ReturnType<typeof slice>> & { round: number }>>} */
  const samples = new Map();
  for (let round = 0; round < rounds; round++) {
    for (const [p, path] of paths.entries()) {
      const line = [];
      for (let i = 0; i < servers.length; i++) {
        const server = /** @type {Server} */ (servers[(round + p + i) % servers.length]);
        const sample = await slice(server, path, seconds);
        const key = `${server.variant}\0${path}`;
        samples.set(key, [...(samples.get(key) ?? []), { round, ...sample }]);
        if (sample.unexpected > 0) console.error(`WARNING: ${server.variant} ${path}: ${sample.unexpected} responses other than ${expectedStatus(server.variant, path)} or errors`);
        line.push(`${server.variant} ${sample.rps.toFixed(0)}/s ${sample.cpuUsPerRequest.toFixed(0)}µs`);
      }
      console.log(`round ${round + 1}/${rounds} ${path}: ${line.join('  ')}`);
    }
  }

  const results = [];
  for (const path of paths) {
    const bare = samples.get(`bare\0${path}`) ?? [];
    for (const variant of variants) {
      const rows = samples.get(`${variant}\0${path}`) ?? [];
      /** @param {number} round */
      const bareOf = (round) => bare.find((b) => b.round === round);
      results.push({
        variant,
        path,
        expectedStatus: expectedStatus(variant, path),
        rps: quantile(rows.map((r) => r.rps), 0.5),
        ratioToBare: spread(rows.map((r) => r.rps / (bareOf(r.round)?.rps ?? NaN))),
        p99Ms: quantile(rows.map((r) => r.p99Ms), 0.5),
        cpuUsPerRequest: quantile(rows.map((r) => r.cpuUsPerRequest), 0.5),
        cpuRatioToBare: spread(rows.map((r) => r.cpuUsPerRequest / (bareOf(r.round)?.cpuUsPerRequest ?? NaN))),
        unexpected: rows.reduce((sum, r) => sum + r.unexpected, 0),
        loadCpuMax: Math.max(...rows.map((r) => r.loadCpu)),
        rounds: rows,
      });
    }
  }
  const report = {
    kind: 'http',
    schemaVersion: 1,
    date: started.toISOString(),
    durationSeconds: Math.round((Date.now() - started.getTime()) / 1000),
    machine: machine(),
    settings: { rounds, seconds, connections, pinned: hasTaskset, variants, paths, warmupSeconds: WARMUP_SECONDS, baseline },
    results,
  };
  console.log(`\n${httpReport(report)}`);
  if (values.json !== undefined) {
    writeResult(values.json, report);
    console.log(`\nwrote ${values.json}`);
  }
} catch (error) {
  // Interrupted: the processes the run was waiting for were stopped on purpose; the signal handler exits.
  if (!interrupted()) {
    process.exitCode = 1;
    console.error(error);
  }
} finally {
  await stopAll();
}
