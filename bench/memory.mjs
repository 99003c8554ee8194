// @ts-check
// What MemoryTokenStore costs at scale: heap and resident bytes per typical record, and the guard's
// ns per call (in-process, valid tokens drawn at random from the store) with a small and a large
// store. Each figure comes from its own child process run with --expose-gc (built side by side); the
// two guard children then take turns, round by round, and the medians are reported.
//   npm run build && node bench/memory.mjs [--records 1000000] [--rounds 7] [--calls 100000] [--json FILE]
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MemoryTokenStore, hashToken, tokenGuard } from 'express-token-guard';
import { writeResult } from './report.mjs';

const SMALL_STORE = 1000;
const SEED = 0x5eed;
const HOUR = 3_600_000;
const GRANT_TYPES = ['AUTHORIZATION_CODE', 'AUTHORIZATION_CODE', 'AUTHORIZATION_CODE', 'REFRESH_TOKEN', 'CIBA'];
const SCOPE_LISTS = [
  ['openid', 'profile', 'items:read'],
  ['openid', 'items:read', 'items:write'],
  ['openid', 'profile', 'email'],
  ['items:read', 'orders:read', 'orders:write'],
  ['openid', 'offline_access', 'items:read'],
];
const PROPERTY_SETS = [
  [['tenant', 'acme', false], ['plan', 'gold', true]],
  [['tenant', 'acme', false], ['plan', 'free', true]],
  [['tenant', 'globex', false], ['plan', 'gold', true]],
  [['tenant', 'initech', false], ['plan', 'team', true]],
];

/** @param {string} message @returns {never} */
function fail(message) {
  console.error(message);
  process.exit(2);
}

/** @param {string[]} args */
function readArguments(args) {
  try {
    return parseArgs({
      args,
      options: {
        records: { type: 'string', default: '1000000' },
        rounds: { type: 'string', default: '7' },
        calls: { type: 'string', default: '100000' },
        json: { type: 'string' },
        child: { type: 'string' },
      },
    }).values;
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
}

/**
 * @param {Record<string, string | undefined>} values
 * @param {'records' | 'rounds' | 'calls'} name
 * @param {number} min
 */
function wholeNumber(values, name, min) {
  const value = Number(values[name]);
  if (!Number.isSafeInteger(value) || value < min) fail(`--${name} must be a whole number of ${min} or more, not "${values[name]}"`);
  return value;
}

/** mulberry32: the same records on every run. @param {number} seed */
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** @param {number} i */
const tokenOf = (i) => `bench-${SEED}-${i}-0123456789abcdefghijklmnopqrstuvwxyz`;

/**
 * `count` typical records, built one at a time as an import would: fresh arrays and objects, shared
 * string literals for scopes and properties, a fresh string for each subject.
 * @param {number} count @param {number} now
 * @returns {Generator<import('express-token-guard').AccessToken>}
 */
function* typicalRecords(count, now) {
  const next = random(SEED);
  /** @param {readonly unknown[]} list */
  const pick = (list) => list[Math.floor(next() * list.length)];
  for (let i = 0; i < count; i++) {
    const createdAt = now - Math.floor(next() * 24 * HOUR);
    const scopes = /** @type {string[]} */ (pick(SCOPE_LISTS));
    yield {
      accessTokenHash: hashToken(tokenOf(i)),
      accessTokenExpiresAt: now + HOUR + Math.floor(next() * 23 * HOUR),
      refreshTokenHash: hashToken(`refresh-${tokenOf(i)}`),
      refreshTokenExpiresAt: now + 30 * 24 * HOUR + Math.floor(next() * HOUR),
      createdAt,
      lastRefreshedAt: next() < 0.5 ? 0 : createdAt + Math.floor(next() * HOUR),
      clientId: 1000 + Math.floor(next() * 100),
      subject: `user-${100000 + Math.floor(next() * 900000)}`,
      grantType: /** @type {string} */ (pick(GRANT_TYPES)),
      scopes: [...scopes],
      properties: /** @type {[string, string, boolean][]} */ (pick(PROPERTY_SETS)).map(([key, value, hidden]) => ({ key, value, hidden })),
      refreshTokenScopes: [...scopes],
    };
  }
}

function collect() {
  const gc = /** @type {() => void} */ (globalThis.gc);
  gc();
  gc();
  return process.memoryUsage();
}

/** @param {number} records */
function footprint(records) {
  const before = collect();
  const store = new MemoryTokenStore(typicalRecords(records, Date.now()));
  const after = collect();
  if (store.size !== records) throw new Error(`stored ${store.size} of ${records} records`);
  return { heapBytesPerRecord: (after.heapUsed - before.heapUsed) / records, rssBytesPerRecord: (after.rss - before.rss) / records };
}

/**
 * Answers the parent's `round` messages with the ns per guard call over `calls` calls. Each call
 * presents the token of a record drawn at random (from a fixed sequence of 65,536), in a header
 * built just before the call as a server's parser would, so only the store's memory is cold.
 * @param {number} records @param {number} calls
 */
function serveGuardRounds(records, calls) {
  const store = new MemoryTokenStore(typicalRecords(records, Date.now()));
  const guard = /** @type {(req: any, res: any, next: (error?: unknown) => void) => void} */ (
    /** @type {unknown} */ (tokenGuard({ store }))
  );
  const draw = random(SEED + records);
  const drawn = Int32Array.from({ length: 65536 }, () => Math.floor(draw() * records));
  const headers = { host: 'localhost', authorization: '' };
  const request = { method: 'GET', headers, rawHeaders: ['Host', 'localhost', 'Authorization', ''] };
  let passed = 0;
  /** @param {unknown} error */
  const next = (error) => {
    if (error !== undefined) throw error;
    passed++;
  };
  collect();
  const send = /** @type {(message: unknown) => void} */ (process.send?.bind(process));
  process.on('message', (message) => {
    if (message !== 'round') {
      process.disconnect();
      return;
    }
    passed = 0;
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) {
      const authorization = `Bearer ${tokenOf(drawn[i & 65535] ?? 0)}`;
      headers.authorization = authorization;
      request.rawHeaders[3] = authorization;
      guard(request, undefined, next);
    }
    const ns = Number(process.hrtime.bigint() - start) / calls;
    if (passed !== calls) throw new Error('the guard refused a valid token');
    send(ns);
  });
  send('ready');
}

/** @param {string[]} args */
function child(args) {
  const script = fileURLToPath(import.meta.url);
  const process_ = fork(script, args, { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  /** @type {unknown[]} */
  const inbox = [];
  /** @type {((message: unknown) => void)[]} */
  const waiting = [];
  process_.on('message', (message) => {
    const resolve = waiting.shift();
    if (resolve === undefined) inbox.push(message);
    else resolve(message);
  });
  const exited = once(process_, 'exit').then(([code]) => {
    if (code !== 0) throw new Error(`${script} ${args.join(' ')} exited with code ${code}`);
  });
  /** @returns {Promise<unknown>} */
  const receive = () =>
    inbox.length > 0
      ? Promise.resolve(inbox.shift())
      : Promise.race([new Promise((resolve) => waiting.push(resolve)), exited.then(() => Promise.reject(new Error(`${script} ${args.join(' ')} ended early`)))]);
  return { process: process_, receive, exited };
}

/** @param {number[]} xs */
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

const values = readArguments(process.argv.slice(2));
const records = wholeNumber(values, 'records', SMALL_STORE);
const calls = wholeNumber(values, 'calls', 1000);
if (values.child === 'footprint') {
  process.send?.(footprint(records));
  process.disconnect();
} else if (values.child === 'guard') {
  serveGuardRounds(records, calls);
} else if (values.child !== undefined) {
  fail(`--child must be footprint or guard, not "${values.child}"`);
} else {
  const rounds = wholeNumber(values, 'rounds', 1);
  const sizes = [SMALL_STORE, records];
  const memory = child(['--child', 'footprint', '--records', String(records)]);
  const guards = sizes.map((size) => child(['--child', 'guard', '--records', String(size), '--calls', String(calls)]));
  const { heapBytesPerRecord, rssBytesPerRecord } = /** @type {{ heapBytesPerRecord: number, rssBytesPerRecord: number }} */ (
    await memory.receive()
  );
  await memory.exited;
  for (const guard of guards) await guard.receive();
  /** @type {number[][]} */
  const samples = sizes.map(() => []);
  for (let round = 0; round <= rounds; round++) {
    for (let i = 0; i < guards.length; i++) {
      const guard = /** @type {(typeof guards)[number]} */ (guards[(round + i) % guards.length]);
      guard.process.send('round');
      const ns = /** @type {number} */ (await guard.receive());
      if (round > 0) samples[(round + i) % guards.length]?.push(ns);
    }
  }
  for (const guard of guards) guard.process.send('stop');
  await Promise.all(guards.map((guard) => guard.exited));
  const [small, large] = samples.map(median);
  const result = {
    node: process.version,
    records,
    heapBytesPerRecord: Math.round(heapBytesPerRecord),
    rssBytesPerRecord: Math.round(rssBytesPerRecord),
    guardNsPerCall: { [SMALL_STORE]: Math.round(small ?? 0), [records]: Math.round(large ?? 0) },
    guardRatio: Number(((large ?? 0) / (small ?? 1)).toFixed(3)),
    rounds,
    calls,
  };
  const markdown = [
    `Typical records (12 fields, 3 scopes, 2 properties); guard: median of ${rounds} interleaved rounds of ${calls} calls, in-process.`,
    '',
    '| measure | value |',
    '| --- | ---: |',
    `| heap bytes per record at ${records.toLocaleString('en')} records | ${result.heapBytesPerRecord} |`,
    `| resident bytes per record at ${records.toLocaleString('en')} records | ${result.rssBytesPerRecord} |`,
    `| guard ns per call, ${SMALL_STORE.toLocaleString('en')} records | ${result.guardNsPerCall[SMALL_STORE]} |`,
    `| guard ns per call, ${records.toLocaleString('en')} records | ${result.guardNsPerCall[records]} |`,
    `| ratio, large to small store | ${result.guardRatio.toFixed(3)} |`,
  ].join('\n');
  console.log(`MemoryTokenStore at scale (Node ${process.version})\n\n${markdown}`);
  if (values.json !== undefined) {
    writeResult(values.json, { title: 'MemoryTokenStore at scale (bench/memory.mjs)', markdown, ...result });
  }
}
